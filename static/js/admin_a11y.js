/*
 * Names for the admin's search-as-you-type selects (select2), which screen
 * readers otherwise announce as an unnamed combobox: each takes its field's
 * label, and its "clear" cross, a mouse-only control inside the list of
 * choices, is hidden from them. Select2 redraws on every change, so the
 * names are set again whenever the form's markup changes.
 */
(function () {
  "use strict";

  function name(select) {
    const label = document.querySelector('label[for="' + select.id + '"]');
    if (!label) {
      return null;
    }
    if (!label.id) {
      label.id = select.id + "-label";
    }
    return label;
  }

  function apply() {
    document.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      const label = name(select);
      const box = select.nextElementSibling;
      if (!label || !box || !box.classList.contains("select2")) {
        return;
      }
      box.querySelectorAll('.select2-selection[role="combobox"]').forEach(function (el) {
        const shown = box.querySelector(".select2-selection__rendered");
        const ids = [label.id];
        if (shown && shown.id) {
          ids.push(shown.id);
        }
        el.setAttribute("aria-labelledby", ids.join(" "));
      });
      // The shown choice is a read-only text box of its own.
      box.querySelectorAll('.select2-selection__rendered[role="textbox"]').forEach(
        function (el) {
          el.setAttribute("aria-label", label.textContent.replace(/:\s*$/, "").trim());
        }
      );
      box.querySelectorAll(".select2-search__field").forEach(function (el) {
        el.setAttribute("aria-labelledby", label.id);
      });
      box.querySelectorAll(".select2-selection__clear").forEach(function (el) {
        el.setAttribute("aria-hidden", "true");
      });
    });
  }

  let pending = false;
  function soon() {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        apply();
      });
    }
  }

  window.addEventListener("load", function () {
    apply();
    const content = document.getElementById("content") || document.body;
    new MutationObserver(soon).observe(content, { childList: true, subtree: true });
  });
})();
