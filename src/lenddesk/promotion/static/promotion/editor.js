/* A small rich-text editor for promotion articles: a toolbar over a contenteditable
   area that writes its HTML back into the textarea on submit. Self-hosted, no inline
   script (CSP); the server sanitises whatever arrives. */
(function () {
  "use strict";
  var BUTTONS = [
    ["bold", "B"], ["italic", "I"], ["underline", "U"], ["h2", "H2"], ["h3", "H3"],
    ["insertUnorderedList", "•"], ["insertOrderedList", "1."], ["blockquote", "❝"],
    ["createLink", "🔗"], ["removeFormat", "⨯"]
  ];
  function run(command) {
    if (command === "h2" || command === "h3" || command === "blockquote") {
      document.execCommand("formatBlock", false, command);
    } else if (command === "createLink") {
      var url = window.prompt("https://");
      if (url && /^https?:\/\//i.test(url)) { document.execCommand("createLink", false, url); }
    } else {
      document.execCommand(command, false, null);
    }
  }
  function attach(textarea) {
    var toolbar = document.createElement("div");
    toolbar.className = "ld-editor-toolbar";
    BUTTONS.forEach(function (entry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm";
      button.textContent = entry[1];
      button.setAttribute("aria-label", entry[0]);
      button.addEventListener("click", function () { area.focus(); run(entry[0]); });
      toolbar.appendChild(button);
    });
    var area = document.createElement("div");
    area.className = "ld-editor";
    area.contentEditable = "true";
    area.innerHTML = textarea.value;
    textarea.hidden = true;
    textarea.parentNode.insertBefore(toolbar, textarea);
    textarea.parentNode.insertBefore(area, textarea);
    textarea.form.addEventListener("submit", function () { textarea.value = area.innerHTML; });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea#id_body_html, textarea[data-rich-text]").forEach(attach);
  });
})();
