// The article form: keeps unsaved text on the server every half minute,
// offers it back after a crash or a closed tab, says who else has the
// article open, and warns before leaving with unsaved changes.
(function () {
  "use strict";
  const INTERVAL_MS = 30000;
  const FIELDS = ["title", "summary", "body", "seo_title", "meta_description"];

  function start() {
    const form = document.getElementById("article_form");
    const notices = document.getElementById("editor-notices");
    if (!form || !notices) {
      return;
    }
    const status = document.getElementById("autosave-status");
    let dirty = false;
    let submitting = false;
    let changedSinceAutosave = false;

    function editor() {
      return (window.editors || {}).id_body;
    }

    function markDirty() {
      dirty = true;
      changedSinceAutosave = true;
    }

    function value(name) {
      if (name === "body" && editor()) {
        return editor().getData();
      }
      const field = form.elements.namedItem(name);
      return field ? field.value : "";
    }

    async function autosave() {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.elements.namedItem("csrfmiddlewaretoken").value);
      FIELDS.forEach((name) => data.append(name, value(name)));
      data.append("opened_version", value("opened_version"));
      changedSinceAutosave = false;
      const response = await fetch(notices.dataset.autosaveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
      });
      if (!response.ok) {
        changedSinceAutosave = true;
        const refusal = await response.json().catch(() => ({}));
        status.textContent =
          refusal.error || "Could not keep your unsaved text; save the article soon.";
        return null;
      }
      const answer = await response.json();
      status.textContent = "Unsaved text kept at " + answer.saved_at + ".";
      const others = document.getElementById("other-editors");
      document.getElementById("other-editors-names").textContent = answer.others.join(", ");
      others.hidden = answer.others.length === 0;
      return answer;
    }

    function restore() {
      const content = JSON.parse(document.getElementById("autosave-content").textContent);
      FIELDS.forEach((name) => {
        if (!(name in content)) {
          return;
        }
        if (name === "body" && editor()) {
          editor().setData(content.body);
          return;
        }
        const field = form.elements.namedItem(name);
        if (field) {
          field.value = content[name];
        }
      });
      // Saved against the version the text was written on: if someone
      // saved the article since, the save is refused and says what changed.
      if (content.opened_version !== undefined) {
        form.elements.namedItem("opened_version").value = content.opened_version;
      }
      markDirty();
      document.getElementById("autosave-offer").hidden = true;
      status.textContent = "Your unsaved text is back in the form. Save to keep it.";
    }

    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", () => {
      submitting = true;
    });
    const waitForEditor = setInterval(() => {
      if (editor()) {
        clearInterval(waitForEditor);
        editor().model.document.on("change:data", markDirty);
      }
    }, 200);
    const restoreButton = document.getElementById("autosave-restore");
    if (restoreButton) {
      restoreButton.addEventListener("click", restore);
    }
    window.addEventListener("beforeunload", (event) => {
      if (dirty && !submitting) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    setInterval(() => {
      if (changedSinceAutosave) {
        autosave();
      }
    }, INTERVAL_MS);
    // For people and tests who want the text kept now.
    window.clinicAutosave = { now: autosave };
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
