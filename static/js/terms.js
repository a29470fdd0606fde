// A glossary term's meaning, shown on hover or focus, closes with Escape
// (as a tooltip should) and stays closed until the pointer or the focus
// leaves the term.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll(".term").forEach((term) => {
    if (term.matches(":hover, :focus-within")) term.classList.add("term--closed");
  });
});
document.querySelectorAll(".term").forEach((term) => {
  term.addEventListener("mouseleave", () => term.classList.remove("term--closed"));
  term.addEventListener("focusout", () => term.classList.remove("term--closed"));
});
