// Web push sign-up (progressive enhancement). The page provides:
//
//   <div id="push-panel" data-vapid-key="<base64url public key>"
//        data-subscribe-url="/api/v1/push/subscribe"
//        data-unsubscribe-url="/api/v1/push/unsubscribe" data-csrf="<token>">
//     <button type="button" id="push-toggle" hidden>…</button>
//     <p id="push-status" role="status">…</p>
//   </div>
//
// Without JavaScript (or without push support) nothing happens beyond the status text;
// the button is best rendered `hidden`, since it does nothing without this script.
// Optional: data-sw-url (default "/sw.js"), registered with scope "/".
//
// Subscribing POSTs the PushSubscription JSON ({endpoint, keys:{p256dh, auth}}) to the
// subscribe URL; unsubscribing POSTs {endpoint} to the unsubscribe URL. Both send the
// CSRF token in the X-CSRF-Token header. Written in ES5 so that older browsers at least
// reach the "not supported" message instead of failing to parse.
(function () {
  "use strict";

  var panel = document.getElementById("push-panel");
  if (!panel) return;
  var button = document.getElementById("push-toggle");
  var status = document.getElementById("push-status");

  var TEXT = {
    unsupported: "이 브라우저는 웹 푸시를 지원하지 않습니다.",
    checking: "알림 설정을 확인하는 중입니다…",
    on: "이 브라우저로 새 지원사업 알림을 받고 있습니다.",
    off: "이 브라우저로는 알림을 받지 않고 있습니다.",
    turnOn: "이 브라우저로 알림 받기",
    turnOff: "이 브라우저 알림 끄기",
    subscribing: "알림을 켜는 중입니다…",
    unsubscribing: "알림을 끄는 중입니다…",
    subscribed: "알림을 켰습니다. 새 지원사업이 올라오면 이 브라우저로 알려 드립니다.",
    unsubscribed: "알림을 껐습니다.",
    denied:
      "브라우저에서 이 사이트의 알림이 차단되어 있습니다. 브라우저의 사이트 설정에서 알림을 허용한 뒤 다시 시도해 주세요.",
    dismissed: "알림 권한을 허용하지 않아 알림을 켜지 못했습니다.",
    session: "로그인이 만료되었거나 보안 토큰이 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
    failed: "알림 설정을 바꾸지 못했습니다. 잠시 후 다시 시도해 주세요.",
    slow: "브라우저가 푸시 서비스에 연결하지 못하고 있습니다. 네트워크 연결을 확인해 주세요.",
    notConfigured: "이 사이트에서 아직 웹 푸시를 사용할 수 없습니다.",
  };

  function say(text) {
    if (status) status.textContent = text;
  }

  var supported =
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window &&
    typeof window.fetch === "function" &&
    typeof window.Promise === "function";
  if (!supported) {
    say(TEXT.unsupported);
    if (button) button.hidden = true;
    return;
  }

  var vapidKey = panel.getAttribute("data-vapid-key") || "";
  var subscribeUrl = panel.getAttribute("data-subscribe-url") || "/api/v1/push/subscribe";
  var unsubscribeUrl = panel.getAttribute("data-unsubscribe-url") || "/api/v1/push/unsubscribe";
  var csrf = panel.getAttribute("data-csrf") || "";
  var swUrl = panel.getAttribute("data-sw-url") || "/sw.js";
  if (!vapidKey || !button) {
    say(TEXT.notConfigured);
    if (button) button.hidden = true;
    return;
  }

  // The server key as bytes (applicationServerKey wants the raw point, not base64url).
  function base64UrlToBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameBytes(a, b) {
    if (!a || !b) return false;
    var x = new Uint8Array(a);
    var y = new Uint8Array(b);
    if (x.length !== y.length) return false;
    for (var i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }

  var serverKey;
  try {
    serverKey = base64UrlToBytes(vapidKey);
  } catch (e) {
    say(TEXT.notConfigured);
    button.hidden = true;
    return;
  }

  var registration = null; // set once the service worker is ready
  var subscribed = false;

  function show(isSubscribed, message) {
    subscribed = isSubscribed;
    button.textContent = isSubscribed ? TEXT.turnOff : TEXT.turnOn;
    button.setAttribute("aria-pressed", isSubscribed ? "true" : "false");
    button.hidden = false;
    button.disabled = false;
    button.removeAttribute("aria-busy");
    if (!isSubscribed && Notification.permission === "denied") {
      say(TEXT.denied);
      button.disabled = true;
      return;
    }
    say(message || (isSubscribed ? TEXT.on : TEXT.off));
  }

  function busy(message) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say(message);
  }

  // Resolves on 2xx; otherwise rejects with an Error whose `status` is the HTTP status.
  function post(url, data) {
    return window
      .fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(data),
      })
      .then(function (response) {
        if (!response.ok) {
          var error = new Error("HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return response;
      });
  }

  function failureText(error) {
    if (error && (error.status === 401 || error.status === 403)) return TEXT.session;
    if (error && error.name === "NotAllowedError") {
      return Notification.permission === "denied" ? TEXT.denied : TEXT.dismissed;
    }
    return TEXT.failed;
  }

  function subscribe() {
    busy(TEXT.subscribing);
    // Browsers keep trying when their push service is unreachable; say so meanwhile.
    var slow = window.setTimeout(function () {
      say(TEXT.slow);
    }, 15000);
    // Called straight from the click handler: some browsers only ask for permission
    // during a user gesture.
    registration.pushManager
      .subscribe({ userVisibleOnly: true, applicationServerKey: serverKey })
      .then(function (subscription) {
        return post(subscribeUrl, subscription.toJSON ? subscription.toJSON() : subscription)
          .catch(function (error) {
            // The site did not record it: do not leave a subscription nobody sends to.
            return subscription.unsubscribe().then(
              function () { throw error; },
              function () { throw error; }
            );
          });
      })
      .then(function () {
        window.clearTimeout(slow);
        show(true, TEXT.subscribed);
      })
      .catch(function (error) {
        window.clearTimeout(slow);
        show(false, failureText(error));
      });
  }

  function unsubscribe() {
    busy(TEXT.unsubscribing);
    registration.pushManager
      .getSubscription()
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          // The browser no longer receives; if telling the site fails, the site learns
          // it at the next send (the push service answers 410) and forgets the address.
          return post(unsubscribeUrl, { endpoint: endpoint }).catch(function () {});
        });
      })
      .then(function () {
        show(false, TEXT.unsubscribed);
      })
      .catch(function (error) {
        show(true, failureText(error));
      });
  }

  button.addEventListener("click", function () {
    if (!registration || button.disabled) return;
    if (subscribed) unsubscribe();
    else subscribe();
  });

  busy(TEXT.checking);
  navigator.serviceWorker
    .register(swUrl, { scope: "/" })
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function (ready) {
      registration = ready;
      return ready.pushManager.getSubscription();
    })
    .then(function (subscription) {
      if (!subscription) return false;
      // Subscribed with an older server key (keys were rotated): the push service would
      // refuse our messages, so drop it and let the user subscribe again.
      var options = subscription.options;
      if (options && options.applicationServerKey && !sameBytes(options.applicationServerKey, serverKey)) {
        var stale = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          post(unsubscribeUrl, { endpoint: stale }).catch(function () {});
          return false;
        });
      }
      return true;
    })
    .then(function (isSubscribed) {
      show(isSubscribed);
    })
    .catch(function () {
      say(TEXT.failed);
      button.hidden = true;
    });
})();
