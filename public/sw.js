// Service worker for Jiwon web push notifications. It only shows notifications: it does
// not cache pages or touch requests, so the site behaves exactly as without it.
//
// Registered by /public/js/push.js as /sw.js with scope "/" (the server must answer
// /sw.js itself, or send `Service-Worker-Allowed: /` for a script under /public/).
//
// A push message (encrypted by src/alerts/push.rs, decrypted by the browser) is JSON:
//   {"title": "...", "body": "...", "url": "/announcements/...", "stop": "/unsubscribe/..."}
// "stop" (the way out) becomes the notification's "이 알림 끄기" action.
"use strict";

var DEFAULT_TITLE = "지원 알림";

// Only ever open pages of this site, whatever a message says.
function sameOriginUrl(url) {
  try {
    var resolved = new URL(url || "/", self.location.origin);
    if (resolved.origin === self.location.origin) return resolved.href;
  } catch (e) {
    // not a URL: fall through to the home page
  }
  return new URL("/", self.location.origin).href;
}

// Take over at once after an update; there is no cached state to migrate.
self.addEventListener("install", function () {
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  if (event.data) {
    try {
      data = event.data.json();
    } catch (e) {
      data = { body: event.data.text() };
    }
  }
  var title = typeof data.title === "string" && data.title ? data.title : DEFAULT_TITLE;
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    data: {
      url: sameOriginUrl(data.url),
      stop: typeof data.stop === "string" && data.stop ? sameOriginUrl(data.stop) : null,
    },
    lang: "ko",
    dir: "auto",
    actions: typeof data.stop === "string" && data.stop ? [{ action: "stop", title: "이 알림 끄기" }] : [],
    // No icon yet: the site has no icon file. Add `icon: "/public/icon-192.png"` with one.
  };
  // Browsers require a visible notification for every push (userVisibleOnly).
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var data = event.notification.data || {};
  // "이 알림 끄기" opens the unsubscribe page (one button there ends the alert).
  var url = event.action === "stop" && data.stop ? data.stop : sameOriginUrl(data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      // A tab already showing the page: bring it forward.
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      if (self.clients.openWindow) return self.clients.openWindow(url);
      return undefined;
    })
  );
});
