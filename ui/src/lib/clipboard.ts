/**
 * Copies `text` to the clipboard and returns whether it succeeded. The asynchronous Clipboard
 * API comes first. Where the WebView lacks it or rejects the call, the text of `fallback` is
 * selected and copied with the older `copy` command, which WebKitGTK still supports.
 */
export async function copyText(text: string, fallback: HTMLElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Fall through to the selection-based copy below.
  }
  if (fallback === null) {
    return false;
  }
  const selection = window.getSelection();
  if (selection === null || typeof document.execCommand !== "function") {
    return false;
  }
  const range = document.createRange();
  range.selectNodeContents(fallback);
  selection.removeAllRanges();
  selection.addRange(range);
  const copied = document.execCommand("copy");
  selection.removeAllRanges();
  return copied;
}
