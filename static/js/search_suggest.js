// The search box suggests article titles as one types (a combobox with a
// list of options, as WAI-ARIA describes it). Up and Down move through
// them, Enter opens the one chosen, Escape closes the list; without this
// script the box is a plain search box.
(function () {
  "use strict";

  function start() {
    const form = document.querySelector(".site-search[data-suggest-url]");
    const input = document.getElementById("site-search-q");
    const list = document.getElementById("site-search-suggestions");
    if (!form || !input || !list) {
      return;
    }
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    let options = [];
    let active = -1;
    let asked = 0;
    let timer = null;

    function close() {
      // Nothing asked before now may open the list again.
      window.clearTimeout(timer);
      asked += 1;
      list.hidden = true;
      list.replaceChildren();
      options = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      options.forEach((option, n) => option.setAttribute("aria-selected", String(n === index)));
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function show(suggestions) {
      if (document.activeElement !== input) {
        return;
      }
      highlight(-1);
      list.replaceChildren();
      options = suggestions.map((suggestion, n) => {
        const option = document.createElement("li");
        option.id = "site-search-suggestion-" + n;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.className = "site-search__suggestion";
        option.textContent = suggestion.title;
        option.dataset.url = suggestion.url;
        // Before the box loses focus, so that the click still lands.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => window.location.assign(suggestion.url));
        list.append(option);
        return option;
      });
      list.hidden = options.length === 0;
      input.setAttribute("aria-expanded", String(options.length > 0));
    }

    async function suggest() {
      const number = ++asked;
      const text = input.value.trim();
      if (text.length < 2) {
        close();
        return;
      }
      const url = new URL(form.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        const answer = response.ok ? await response.json() : { suggestions: [] };
        if (number === asked) {
          show(answer.suggestions);
        }
      } catch (error) {
        if (number === asked) {
          close();
        }
      }
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" && options.length) {
        event.preventDefault();
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp" && options.length) {
        event.preventDefault();
        highlight(active <= 0 ? options.length - 1 : active - 1);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.assign(options[active].dataset.url);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
