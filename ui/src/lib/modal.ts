/**
 * Support for modal dialogs over the wizard.
 */

/**
 * Stops every scrolling element outside `dialog` from showing a scrollbar, and returns the
 * function that restores them.
 *
 * In WebKitGTK 2.50 a scrolling column's overlay scrollbar showed through the backdrop of the
 * reset dialog, above the dialog's text, in screenshots of the window. Scroll positions are kept.
 */
export function hideScrollbarsBehind(dialog: Element): () => void {
  const hidden: { element: HTMLElement; overflowY: string }[] = [];
  for (const element of document.body.querySelectorAll<HTMLElement>("*")) {
    if (dialog.contains(element)) {
      continue;
    }
    const overflowY = getComputedStyle(element).overflowY;
    if (overflowY === "auto" || overflowY === "scroll") {
      hidden.push({ element, overflowY: element.style.overflowY });
      element.style.overflowY = "hidden";
    }
  }
  return () => {
    for (const { element, overflowY } of hidden) {
      element.style.overflowY = overflowY;
    }
  };
}
