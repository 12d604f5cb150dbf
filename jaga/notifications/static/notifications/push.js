// Turning Web Push on for this browser from the notifications settings page (issue 15
// point 2): registers /sw.js, subscribes with the server's VAPID key and sends the
// subscription to Jaga. No inline script (the Content-Security-Policy forbids it).
"use strict";

(function () {
  var button = document.querySelector("[data-push-subscribe]");
  if (!button) {
    return;
  }
  var status = document.getElementById("push-status");
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.disabled = true;
    status.textContent = button.dataset.unsupported;
    return;
  }
  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }
  button.addEventListener("click", function () {
    button.disabled = true;
    var csrf = document.querySelector("[name=csrfmiddlewaretoken]").value;
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") {
          throw new Error(button.dataset.denied);
        }
        return navigator.serviceWorker.register("/sw.js");
      })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key(button.dataset.key),
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify(subscription),
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error(button.dataset.failed);
        }
        status.textContent = button.dataset.done;
      })
      .catch(function (error) {
        status.textContent = error.message || button.dataset.failed;
        button.disabled = false;
      });
  });
})();
