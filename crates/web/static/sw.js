// The portal's service worker: shows Timebok's push notices and opens the portal on a tap.
'use strict';

self.addEventListener('push', function (event) {
  var notice = { title: 'Timebok', body: '', url: '/timeavtaler' };
  try {
    notice = Object.assign(notice, event.data ? event.data.json() : {});
  } catch (error) {
    notice.body = event.data ? event.data.text() : '';
  }
  event.waitUntil(self.registration.showNotification(notice.title, {
    body: notice.body,
    icon: '/static/icon.svg',
    data: { url: notice.url }
  }));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || '/timeavtaler';
  event.waitUntil(self.clients.openWindow(url));
});
