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

/**
 * Copies the text that `text` resolves to, such as a secret the shell reads on request, and
 * returns whether it succeeded. It rejects with the reason when `text` rejects.
 *
 * Call it from a click handler before anything is awaited: WebKit lets a page write the
 * clipboard only during the click's user activation, which has ended by the time an IPC call
 * returns. A `ClipboardItem` built from the pending text is written at once, and the WebView
 * fills it in when the text arrives.
 */
export async function copyPending(
  text: Promise<string>,
  fallback: HTMLElement | null,
): Promise<boolean> {
  if (typeof ClipboardItem === "function" && typeof navigator.clipboard?.write === "function") {
    const blob = text.then((value) => new Blob([value], { type: "text/plain" }));
    try {
      await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
      return true;
    } catch {
      // A rejected `text` is reported below; any other failure tries the older ways.
    }
  }
  return copyText(await text, fallback);
}
