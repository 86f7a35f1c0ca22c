/* The network diagram page: the server draws the SVG; this only pans it by dragging and zooms
 * it (the drawing keeps its viewBox, so zooming is a change of its displayed size). */
(function () {
  "use strict";

  const scroller = document.getElementById("network-scroll");
  const drawing = document.getElementById("network-svg");
  if (!scroller || !drawing) return;

  const width = Number(drawing.getAttribute("width"));
  const height = Number(drawing.getAttribute("height"));
  const reset = document.querySelector("[data-zoom=reset]");
  let scale = 1;

  function zoom(to, anchorX, anchorY) {
    const next = Math.min(2, Math.max(0.2, to));
    if (next === scale) return;
    const x = anchorX ?? scroller.clientWidth / 2;
    const y = anchorY ?? scroller.clientHeight / 2;
    const ratio = next / scale;
    const left = (scroller.scrollLeft + x) * ratio - x;
    const top = (scroller.scrollTop + y) * ratio - y;
    scale = next;
    drawing.setAttribute("width", Math.round(width * scale));
    drawing.setAttribute("height", Math.round(height * scale));
    scroller.scrollTo(left, top);
    if (reset) reset.textContent = `${Math.round(scale * 100)}%`;
  }

  document.querySelectorAll("[data-zoom]").forEach((button) =>
    button.addEventListener("click", () => {
      const how = button.dataset.zoom;
      zoom(how === "in" ? scale * 1.25 : how === "out" ? scale / 1.25 : 1);
    }),
  );

  scroller.addEventListener(
    "wheel",
    (event) => {
      if (!event.ctrlKey) return; // plain wheel scrolls; ctrl + wheel zooms
      event.preventDefault();
      const box = scroller.getBoundingClientRect();
      zoom(scale * (event.deltaY < 0 ? 1.1 : 1 / 1.1), event.clientX - box.left, event.clientY - box.top);
    },
    {passive: false},
  );

  let start = null;
  scroller.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    start = {x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop};
    scroller.setPointerCapture(event.pointerId);
    scroller.classList.add("is-panning");
  });
  scroller.addEventListener("pointermove", (event) => {
    if (!start) return;
    scroller.scrollLeft = start.left - (event.clientX - start.x);
    scroller.scrollTop = start.top - (event.clientY - start.y);
  });
  const stop = () => {
    start = null;
    scroller.classList.remove("is-panning");
  };
  scroller.addEventListener("pointerup", stop);
  scroller.addEventListener("pointercancel", stop);

  // Start where the work starts: the first critical task, else the top left.
  const first = drawing.querySelector(".node.critical");
  if (first) {
    const box = first.getBBox();
    const [, x, y] = /translate\(([-\d.]+),([-\d.]+)\)/.exec(first.getAttribute("transform")) || [0, 0, 0];
    scroller.scrollTo(Math.max(Number(x) - 40, 0), Math.max(Number(y) + box.height / 2 - scroller.clientHeight / 2, 0));
  }
})();
