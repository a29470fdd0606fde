// Fills the comment form from the "remember me" cookie. The page itself may
// come from a shared cache, so this happens in the reader's browser only.
(function () {
  "use strict";
  var match = document.cookie.match(/(?:^|;\s*)comment_author=([^;]*)/);
  var form = document.querySelector(".comment-form");
  if (!match || !form) {
    return;
  }
  var saved;
  try {
    saved = JSON.parse(decodeURIComponent(match[1]));
  } catch (error) {
    return;
  }
  var fields = { author_name: saved.name, author_email: saved.email, author_url: saved.url };
  Object.keys(fields).forEach(function (name) {
    var input = form.elements[name];
    if (input && !input.value && typeof fields[name] === "string") {
      input.value = fields[name];
    }
  });
  if (form.elements.remember) {
    form.elements.remember.checked = true;
  }
})();
