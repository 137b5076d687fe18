/* Photos in the widget: a shopper's upload into their conversation (the hub re-encodes it and
 * keeps it with the conversation), and showing the conversation's photos. A photo is fetched with
 * the conversation token (never in a URL) and shown from a data: URL, which the hub's page policy
 * (img-src 'self' data:) allows; anything but a JPEG or PNG coming back is not shown.
 */
var photos = (function () {
  "use strict";

  var MAX_BYTES = 10000000;
  var TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];
  var SHOWN_TYPES = ["image/jpeg", "image/png"];

  function problem(file) {
    if (TYPES.indexOf(file.type) < 0) return "Please choose a photo (JPEG, PNG, WebP or GIF).";
    if (file.size > MAX_BYTES) return "That photo is too large (10 MB at most).";
    return null;
  }

  /* Resolves with the stored photo's summary ({id, ...}); rejects with a sentence for the shopper. */
  function upload(hub, conversationId, token, file) {
    var url = hub + "/api/conversations/" + encodeURIComponent(conversationId) + "/attachments";
    return fetch(url, { method: "POST", body: file, headers: { "Authorization": "Bearer " + token, "Content-Type": file.type } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok && body && typeof body.id === "string") return body;
          throw new Error((body && body.error && body.error.message) || "The photo could not be sent.");
        });
      }, function () { throw new Error("The photo could not be sent: no connection."); });
  }

  function asDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result)); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  function figure(alt) {
    var box = document.createElement("figure");
    box.className = "sd-photo";
    var img = document.createElement("img");
    img.alt = alt;
    box.appendChild(img);
    return box;
  }

  /* A photo the shopper just chose, shown at once from the file itself. */
  function preview(container, file) {
    var box = figure("Your photo");
    container.appendChild(box);
    asDataUrl(file).then(function (url) { box.firstChild.src = url; }, function () { box.remove(); });
  }

  function show(container, hub, conversationId, token, attachment, alt) {
    var box = figure(alt);
    container.appendChild(box);
    var url = hub + "/api/conversations/" + encodeURIComponent(conversationId) + "/attachments/" + encodeURIComponent(attachment.id);
    fetch(url, { headers: { "Authorization": "Bearer " + token } })
      .then(function (response) { return response.ok ? response.blob() : Promise.reject(new Error(String(response.status))); })
      .then(function (blob) { return SHOWN_TYPES.indexOf(blob.type) >= 0 ? asDataUrl(blob) : Promise.reject(new Error(blob.type)); })
      .then(function (dataUrl) { box.firstChild.src = dataUrl; },
            function () { box.replaceChildren(document.createTextNode("(photo not available)")); });
  }

  return { problem: problem, upload: upload, preview: preview, show: show, accept: TYPES.join(",") };
})();
