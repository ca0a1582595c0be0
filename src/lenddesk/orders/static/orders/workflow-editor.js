/* Workflow editor: drag a step by its handle (⠿) to reorder the list. On drop the
 * new order of keys is posted to the reorder form (#wf-reorder, htmx), which answers
 * with the editor re-rendered: the list and the drawing. Phones and keyboards use the
 * ↑/↓ buttons, plain forms that post the same way. No inline scripts (CSP). */
(function () {
  "use strict";
  var dragged = null;
  var before = "";

  function keysOf(list) {
    return Array.prototype.map.call(
      list.querySelectorAll(":scope > [data-wf-key]"),
      function (item) { return item.getAttribute("data-wf-key"); }
    );
  }

  function post(list) {
    var form = document.getElementById(list.getAttribute("data-wf-sortable"));
    var keys = keysOf(list);
    if (!form || keys.join("\n") === before) { return; }
    form.querySelectorAll('input[name="keys"]').forEach(function (input) { input.remove(); });
    keys.forEach(function (key) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "keys";
      input.value = key;
      form.appendChild(input);
    });
    if (window.htmx) { window.htmx.trigger(form, "submit"); } else { form.submit(); }
  }

  document.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest("[data-wf-handle]");
    if (!handle) { return; }
    dragged = handle.closest("[data-wf-key]");
    before = keysOf(dragged.parentNode).join("\n");
    dragged.classList.add("opacity-50");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-wf-key"));
    if (event.dataTransfer.setDragImage) { event.dataTransfer.setDragImage(dragged, 16, 16); }
  });

  document.addEventListener("dragover", function (event) {
    if (!dragged) { return; }
    var over = event.target.closest && event.target.closest("[data-wf-key]");
    if (!over || over.parentNode !== dragged.parentNode) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (over === dragged) { return; }
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2 && !over.hasAttribute("data-wf-fixed");
    over.parentNode.insertBefore(dragged, after ? over.nextSibling : over);
  });

  document.addEventListener("drop", function (event) {
    if (dragged) { event.preventDefault(); }
  });

  document.addEventListener("dragend", function () {
    if (!dragged) { return; }
    var list = dragged.parentNode;
    dragged.classList.remove("opacity-50");
    dragged = null;
    post(list);
  });
})();
