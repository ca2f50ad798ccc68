// Import form: send the files with a progress bar, then show the server's report page.
// Without JavaScript the form posts normally and the browser shows the same report.

const form = document.getElementById("import-form");
const box = document.querySelector("[data-testid=upload-progress]");
const bar = box?.querySelector("progress");
const label = box?.querySelector("[data-role=label]");
const failure = document.querySelector("[data-testid=upload-error]");

function megabytes(bytes) {
  return (bytes / 1e6).toFixed(1);
}

function fail(message) {
  failure.textContent = message;
  failure.hidden = false;
  box.hidden = true;
  form.querySelector("[type=submit]").disabled = false;
}

if (form && box) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
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
      if (request.status === 200 && request.responseURL) {
        // The server answered with a redirect to the report, which the request followed.
        window.location.assign(request.responseURL);
      } else {
        fail(`The import failed (HTTP ${request.status}). Nothing was lost: try again, or import fewer files at once.`);
      }
    });
    request.addEventListener("error", () => fail("The upload was interrupted. Check the connection and try again."));
    failure.hidden = true;
    box.hidden = false;
    bar.value = 0;
    form.querySelector("[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
}
