// Progressive enhancement for PDF uploads: shows how much of the file has been sent.
// Without JavaScript (or without a file chosen) the form posts as usual.
(function () {
  "use strict";
  if (!window.XMLHttpRequest || !window.FormData || !window.DOMParser) return;

  /** A page that explains what was wrong replaces <main>, like a normal post would, and stays enhanced. */
  function showPage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    var current = document.querySelector("main");
    if (!main || !current) {
      document.open();
      document.write(html);
      document.close();
      return;
    }
    document.title = page.title;
    current.replaceWith(document.adoptNode(main));
    enhance();
    // Keyboard and screen reader users land on the error summary, as after a full page load.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  function enhance() {
    var form = document.querySelector("form[data-upload-progress]");
    var bar = document.getElementById("upload-progress");
    var status = document.getElementById("upload-progress-text");
    if (!form || !bar || !status) return;

    form.addEventListener("submit", function (event) {
      var input = form.querySelector('input[type="file"]');
      if (!input || !input.files || input.files.length === 0) return; // the server explains what is missing
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true; // one upload at a time
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        status.textContent = status.getAttribute("data-template").replace("{percent}", String(percent));
      });
      request.addEventListener("load", function () {
        // Success is a redirect the browser already followed: go to the envelope.
        if (request.status === 200 && request.responseURL && request.responseURL.indexOf("/envelopes/new") === -1) {
          window.location.assign(request.responseURL);
          return;
        }
        showPage(request.responseText);
      });
      request.addEventListener("error", function () {
        if (button) button.disabled = false;
        form.submit();
      });
      bar.hidden = false;
      status.hidden = false;
      request.send(new FormData(form));
    });
  }

  enhance();
})();
