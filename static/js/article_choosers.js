// The article form's choosers: insert a picture already in the image
// library into the body, or link the selected words (or, with nothing
// selected, the article's title) to a published article. Each opens a
// dialog that searches as one types.
(function () {
  "use strict";

  function editor() {
    return (window.editors || {}).id_body;
  }

  function start() {
    const bar = document.getElementById("editor-choosers");
    const dialog = document.getElementById("chooser");
    const body = document.getElementById("id_body");
    if (!bar || !dialog || !body) {
      return;
    }
    const title = document.getElementById("chooser-title");
    const query = document.getElementById("chooser-query");
    const results = document.getElementById("chooser-results");
    const status = document.getElementById("chooser-status");
    let kind = null;
    let asked = 0;

    // Above the editor, inside the box that holds it.
    body.closest(".ck-editor-container").prepend(bar);
    bar.hidden = false;

    function choose(item) {
      const ed = editor();
      dialog.close();
      if (!ed) {
        return;
      }
      if (kind === "image") {
        ed.execute("insertImage", { source: item.url });
      } else {
        const selection = ed.model.document.selection;
        if (selection.isCollapsed) {
          ed.model.change((writer) => {
            ed.model.insertContent(
              writer.createText(item.title, { linkHref: item.url }),
              selection
            );
          });
        } else {
          ed.execute("link", item.url);
        }
      }
      ed.editing.view.focus();
    }

    function show(items) {
      results.replaceChildren();
      items.forEach((item) => {
        const entry = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "chooser__choice";
        if (kind === "image") {
          const thumbnail = document.createElement("img");
          thumbnail.src = item.thumbnail;
          thumbnail.alt = "";
          thumbnail.width = 96;
          thumbnail.height = Math.max(1, Math.round((96 * item.height) / item.width));
          button.append(thumbnail);
        }
        const label = document.createElement("span");
        label.textContent = kind === "image"
          ? item.title + " (" + item.width + " × " + item.height + ")"
          : item.title;
        button.append(label);
        button.addEventListener("click", () => choose(item));
        entry.append(button);
        results.append(entry);
      });
      status.textContent = items.length ? "" : status.dataset.empty;
    }

    async function search() {
      const number = ++asked;
      const url = new URL(
        kind === "image" ? bar.dataset.imagesUrl : bar.dataset.articlesUrl,
        window.location.href
      );
      url.searchParams.set("q", query.value);
      try {
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        const answer = await response.json();
        if (number === asked) {
          show(answer.results);
        }
      } catch (error) {
        if (number === asked) {
          results.replaceChildren();
          status.textContent = status.dataset.failed;
        }
      }
    }

    let timer = null;
    query.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 200);
    });
    bar.querySelectorAll("[data-chooser]").forEach((button) => {
      button.addEventListener("click", () => {
        kind = button.dataset.chooser;
        title.textContent = title.dataset[kind + "Title"];
        query.value = "";
        results.replaceChildren();
        status.textContent = "";
        dialog.showModal();
        query.focus();
        search();
      });
    });
    document.getElementById("chooser-close").addEventListener("click", () => dialog.close());
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
