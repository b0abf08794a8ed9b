"""Checks how the page draws its controls, as a person sees them.

A disabled button must not pass for one that works: each one is compared with itself enabled,
by enabling it for one style computation and disabling it again before the page can react.
"""

from __future__ import annotations

from webdriver import Session

# Lists each disabled button whose colours, border and opacity stay the same when enabled.
SAME_AS_ENABLED = """
const properties = ['background-color', 'color', 'border-top-color', 'opacity'];
const look = (button) => {
  const style = getComputedStyle(button);
  return properties.map((name) => style.getPropertyValue(name)).join(' ');
};
const same = [];
for (const button of document.querySelectorAll('button:disabled')) {
  const disabled = look(button);
  button.disabled = false;
  const enabled = look(button);
  button.disabled = true;
  if (disabled === enabled) {
    same.push((button.id ? '#' + button.id + ' ' : '') + button.textContent.trim());
  }
}
return same;
"""


def disabled_lookalikes(session: Session) -> list[str]:
    """Returns the disabled buttons of the page that look the same as when they are enabled."""
    return session.execute(SAME_AS_ENABLED)
