// Web Push on «Varslingsinnstillinger»: subscribes this browser with the server's VAPID key
// and tells the server, or unsubscribes it. The page works without this script; only push
// itself needs it.
(function () {
  'use strict';
  var box = document.getElementById('push-device');
  if (!box) { return; }
  var status = document.getElementById('push-status');
  var on = document.getElementById('push-on');
  var off = document.getElementById('push-off');
  var say = function (name) { status.textContent = box.getAttribute('data-' + name); };
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    say('unsupported');
    return;
  }

  var keyBytes = function (base64url) {
    var padded = (base64url + '===='.slice(base64url.length % 4)).replace(/-/g, '+').replace(/_/g, '/');
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  };
  var encode = function (buffer) {
    var text = String.fromCharCode.apply(null, new Uint8Array(buffer));
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  var post = function (path, fields) {
    var body = new URLSearchParams(fields);
    body.set('csrf', box.getAttribute('data-csrf'));
    return fetch(path, { method: 'POST', body: body, credentials: 'same-origin' }).then(function (response) {
      if (!response.ok) {
        var error = new Error(String(response.status));
        // 422: the browser's push service is not one this installation sends to.
        error.refused = response.status === 422;
        throw error;
      }
    });
  };
  var show = function (subscription) {
    on.hidden = Boolean(subscription);
    off.hidden = !subscription;
    say(subscription ? 'on' : 'off');
  };

  navigator.serviceWorker.register('/sw.js').then(function (registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      show(subscription);
      on.addEventListener('click', function () {
        Notification.requestPermission().then(function (permission) {
          if (permission !== 'granted') { say('denied'); return null; }
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(box.getAttribute('data-key'))
          }).then(function (created) {
            return post('/varslinger/push', {
              endpoint: created.endpoint,
              p256dh: encode(created.getKey('p256dh')),
              auth: encode(created.getKey('auth')),
              device: navigator.userAgent.slice(0, 200)
            }).then(function () { window.location.reload(); }, function (error) {
              // Nothing was stored: the browser's subscription goes too, so the page and
              // the browser agree that push is off.
              return created.unsubscribe().then(function () { throw error; }, function () { throw error; });
            });
          });
        }).catch(function (error) { say(error && error.refused ? 'refused' : 'failed'); });
      });
      off.addEventListener('click', function () {
        registration.pushManager.getSubscription().then(function (current) {
          if (!current) { show(null); return null; }
          var endpoint = current.endpoint;
          return current.unsubscribe().then(function () {
            return post('/varslinger/push/slett', { endpoint: endpoint });
          }).then(function () { window.location.reload(); });
        }).catch(function () { say('failed'); });
      });
    });
  }).catch(function () { say('unsupported'); });
}());
