// Import form: send the files with a progress bar, then show the server's report page.
// Without JavaScript the form posts normally and the browser shows the same pages.
//
// The request follows the server's redirect to the report by itself, so a redirect shows
// only as a final address other than the one posted to: that, and only that, navigates.
// Any other answer (the form again with its errors, a 400, 413 or 500 page) is shown in
// place of this page's content, its scripts never run, or as text when it is not HTML.

const MAX_TEXT = 2000; // characters of a plain-text answer worth showing

function megabytes(bytes) {
  return (bytes / 1e6).toFixed(1);
}

function absolute(url) {
  return new URL(url, window.location.href).href;
}

function withoutScripts(root) {
  for (const script of root.querySelectorAll("script")) script.remove();
  for (const element of root.querySelectorAll("*")) {
    for (const attribute of [...element.attributes]) {
      if (attribute.name.toLowerCase().startsWith("on")) element.removeAttribute(attribute.name);
    }
  }
  return root;
}

function contentType(request) {
  return (request.getResponseHeader("Content-Type") || "").toLowerCase();
}

// The answer's main content in place of this page's; false when it has none to give.
function showPage(request) {
  if (!contentType(request).includes("text/html")) return false;
  const answer = new DOMParser().parseFromString(request.responseText, "text/html");
  const theirs = answer.querySelector("main");
  const ours = document.querySelector("main");
  if (!theirs || !ours) return false;
  withoutScripts(theirs);
  ours.replaceChildren(...[...theirs.childNodes].map((node) => document.adoptNode(node)));
  if (answer.title) document.title = answer.title;
  bind(); // the form shown again, if it is, uploads the same way
  ours.querySelector(".is-invalid, [role=alert]")?.scrollIntoView({ block: "center" });
  return true;
}

function answerText(request) {
  const type = contentType(request);
  let text = request.responseText || "";
  if (type.includes("html")) {
    text = new DOMParser().parseFromString(text, "text/html").body?.textContent || "";
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function bind() {
  const form = document.getElementById("import-form");
  const box = document.querySelector("[data-testid=upload-progress]");
  const bar = box?.querySelector("progress");
  const label = box?.querySelector("[data-role=label]");
  const failure = document.querySelector("[data-testid=upload-error]");
  if (!form || !box || !failure || form.dataset.uploadBound) return;
  form.dataset.uploadBound = "true";
  const submit = form.querySelector("[type=submit]");

  function fail(message) {
    failure.textContent = message;
    failure.hidden = false;
    box.hidden = true;
    submit.disabled = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const target = absolute(form.action || window.location.href);
    const request = new XMLHttpRequest();
    request.open("POST", target);
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.value = Math.round((progress.loaded / progress.total) * 100);
      label.textContent = `Uploading: ${megabytes(progress.loaded)} of ${megabytes(progress.total)} MB`;
    });
    request.upload.addEventListener("load", () => {
      bar.removeAttribute("value"); // indeterminate while the server extracts and imports
      label.textContent = "Uploaded. Extracting and importing…";
    });
    request.addEventListener("load", () => {
      const redirected = request.responseURL && absolute(request.responseURL) !== target;
      if (request.status === 200 && redirected) {
        window.location.assign(request.responseURL);
        return;
      }
      if (showPage(request)) return;
      const text = answerText(request);
      fail(
        `The server answered HTTP ${request.status} instead of the import report` +
          `${text ? `: ${text}` : "."} Check the documents list before trying again.`,
      );
    });
    request.addEventListener("error", () =>
      fail("The upload was interrupted. Check the connection and try again."),
    );
    failure.hidden = true;
    box.hidden = false;
    bar.value = 0;
    submit.disabled = true;
    request.send(new FormData(form));
  });
}

bind();
