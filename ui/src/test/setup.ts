// jsdom lays nothing out, so it has no scrollIntoView. The pages call it to bring a panel into
// view, and in these tests the call only has to succeed.
if (typeof Element.prototype.scrollIntoView !== "function") {
  Element.prototype.scrollIntoView = () => {};
}
