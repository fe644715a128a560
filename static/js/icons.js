// Icons for the DOM scripts build: clones of the Lucide SVGs that base.html renders once in
// <template id="js-icons"> (the same {% icon %} the templates use), so no script spells an emoji.

export function icon(name, { label = "", size = 20, className = "" } = {}) {
  const source = document.getElementById("js-icons")?.content.querySelector(`[data-icon="${name}"] svg`);
  if (!source) throw new Error(`icon "${name}" is not in base.html's <template id="js-icons">`);
  const svg = source.cloneNode(true);
  svg.setAttribute("width", String(size));
  svg.setAttribute("height", String(size));
  if (className) svg.classList.add(...className.split(" "));
  if (label) {
    svg.removeAttribute("aria-hidden");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  }
  return svg;
}
