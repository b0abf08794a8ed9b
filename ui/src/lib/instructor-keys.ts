// Keyboard shortcuts of instructor mode: Space plays, pauses and resumes autoplay, and the left
// and right arrows open the previous and next page. None of them fires while the focus is in a
// control that uses the key itself, so typing a namespace or moving through radio buttons
// works as it always does.

/** The action of a shortcut. */
export type Shortcut = "toggle" | "previous" | "next";

/** The parts of a keyboard event that decide the shortcut. */
export interface KeyPress {
  key: string;
  altKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  defaultPrevented: boolean;
  target: EventTarget | null;
}

/** Roles of widgets that move their own selection with the arrow keys. */
const ARROW_ROLES = new Set([
  "grid",
  "listbox",
  "menu",
  "menubar",
  "radiogroup",
  "slider",
  "spinbutton",
  "tablist",
  "tree",
  "treegrid",
]);

/** Roles of controls that Space activates. */
const SPACE_ROLES = new Set([
  "button",
  "checkbox",
  "link",
  "menuitem",
  "option",
  "radio",
  "switch",
  "tab",
]);

/** Returns whether `element` is a field that takes typed text or a choice from a list. */
export function isTypingTarget(element: Element | null): boolean {
  if (element === null) {
    return false;
  }
  if (element.closest("input, textarea, select") !== null) {
    return true;
  }
  const editable = element.closest("[contenteditable]");
  return editable !== null && editable.getAttribute("contenteditable") !== "false";
}

function hasRole(element: Element, roles: Set<string>): boolean {
  for (let node: Element | null = element; node !== null; node = node.parentElement) {
    const role = node.getAttribute("role");
    if (role !== null && roles.has(role)) {
      return true;
    }
  }
  return false;
}

/** Returns whether Space on `element` activates it, as it does on a button or a link. */
function activatesOnSpace(element: Element): boolean {
  return element.closest("button, a[href], summary") !== null || hasRole(element, SPACE_ROLES);
}

/** Returns the shortcut that `press` triggers, or null when the key belongs to the page. */
export function shortcutFor(press: KeyPress): Shortcut | null {
  if (press.defaultPrevented || press.altKey || press.ctrlKey || press.metaKey || press.shiftKey) {
    return null;
  }
  const element = press.target instanceof Element ? press.target : null;
  if (isTypingTarget(element)) {
    return null;
  }
  switch (press.key) {
    case " ":
      return element !== null && activatesOnSpace(element) ? null : "toggle";
    case "ArrowLeft":
      return element !== null && hasRole(element, ARROW_ROLES) ? null : "previous";
    case "ArrowRight":
      return element !== null && hasRole(element, ARROW_ROLES) ? null : "next";
    default:
      return null;
  }
}
