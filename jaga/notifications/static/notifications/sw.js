// Jaga's service worker (issue 15 point 2): shows the Web Push notices the server sends
// ({"title", "body", "url", "tag"}) and opens the notice's page when it is tapped.
"use strict";

self.addEventListener("push", function (event) {
  var notice = { title: "Jaga", body: "", url: "/notifikasi/", tag: "jaga" };
  if (event.data) {
    try {
      notice = Object.assign(notice, event.data.json());
    } catch (error) {
      notice.body = event.data.text();
    }
  }
  event.waitUntil(
    self.registration.showNotification(notice.title, {
      body: notice.body,
      tag: notice.tag,
      data: { url: notice.url || "/notifikasi/" },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifikasi/";
  event.waitUntil(self.clients.openWindow(url));
});
