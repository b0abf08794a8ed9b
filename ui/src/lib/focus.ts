/**
 * Keeping the keyboard focus on the page when an action disables or removes the control that
 * had it. WebKitGTK then moves the focus to the document's body, and the next Tab starts over
 * from the top of the window.
 */

/** Returns whether the focus is on no control: on the body, or on nothing at all. */
export function focusLost(): boolean {
  const active = document.activeElement;
  return active === null || active === document.body;
}

/**
 * Focuses the first of `candidates` that is in the document and not disabled, with `options`
 * such as `preventScroll`. Returns whether one took the focus.
 */
export function focusFirst(
  candidates: readonly (Element | null | undefined)[],
  options?: FocusOptions,
): boolean {
  for (const candidate of candidates) {
    if (!(candidate instanceof HTMLElement) || !candidate.isConnected) {
      continue;
    }
    if ((candidate as HTMLButtonElement).disabled === true) {
      continue;
    }
    candidate.focus(options);
    if (document.activeElement === candidate) {
      return true;
    }
  }
  return false;
}

/**
 * Focuses the first usable one of `candidates` when the focus is lost or still on `previous`,
 * the control that started the action. A user who moved the focus elsewhere meanwhile keeps it.
 */
export function restoreFocus(
  previous: Element | null | undefined,
  candidates: readonly (Element | null | undefined)[],
): boolean {
  if (!focusLost() && document.activeElement !== previous) {
    return false;
  }
  return focusFirst(candidates);
}
