"""Web Push (Mastodon's push API): the server's VAPID key and the sealed tokens
(keys.py), the trigger that queues one push job per subscription when a notification
is written (trigger.py), the subscription rules (subscriptions.py) and the job that
encrypts and sends (delivery.py). The endpoints are instance/api/push.py."""
