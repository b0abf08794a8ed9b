/** A run of message text, either plain or a name to show as code. */
export interface Segment {
  text: string;
  code: boolean;
}

/**
 * Splits a message from the course crate into plain and code segments. The crate quotes names
 * and values in backticks, such as "key vault `dv-customer-kv-eun-{namespace}`"; a backtick
 * without a partner stays plain text.
 */
export function segments(message: string): Segment[] {
  const parts = message.split("`");
  if (parts.length % 2 === 0) {
    return [{ text: message, code: false }];
  }
  return parts
    .map((text, index) => ({ text, code: index % 2 === 1 }))
    .filter((segment) => segment.text.length > 0);
}

/** Splits `name` around each occurrence of `namespace`, so the namespace part can be marked. */
export function markNamespace(name: string, namespace: string): Segment[] {
  if (namespace.length === 0 || !name.includes(namespace)) {
    return [{ text: name, code: false }];
  }
  const result: Segment[] = [];
  const parts = name.split(namespace);
  parts.forEach((text, index) => {
    if (text.length > 0) {
      result.push({ text, code: false });
    }
    if (index < parts.length - 1) {
      result.push({ text: namespace, code: true });
    }
  });
  return result;
}

/** Returns whether `namespace` is marked in any of `names`, as `markNamespace` marks it. */
export function marksNamespace(names: string[], namespace: string): boolean {
  return names.some((name) => markNamespace(name, namespace).some((segment) => segment.code));
}

/**
 * Removes the closing " Fix: …." sentence from a problem's message when it repeats the problem's
 * fix, because the page shows the fix on a line of its own.
 */
export function withoutFix(message: string, fix: string): string {
  const suffix = ` Fix: ${fix}.`;
  return message.endsWith(suffix) ? message.slice(0, -suffix.length) : message;
}

/**
 * Starts `text` with a capital letter when it starts with a lower-case ASCII letter, and ends it
 * with a full stop unless it already ends with one, a question mark or an exclamation mark. The
 * registry's reasons, warnings and fixes start in lower case, and its warnings and fixes end
 * without a full stop.
 */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") {
    return trimmed;
  }
  const capitalised = trimmed.replace(/^[a-z]/, (letter) => letter.toUpperCase());
  return /[.?!]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
