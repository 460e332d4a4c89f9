"""Sends Celery tasks the way an unchanged Celery producer does (send_task, protocol 2, JSON).

Usage: python3 celery_send.py BROKER_URL QUEUE QUEUE_ARGUMENTS_JSON COUNT
Prints one JSON object: {"ids": [...], "countdown_id": "..."}. The queue is declared with the
arguments Errand declares it with, as a producer must when both declare it.
"""
import json
import sys

from celery import Celery
from kombu import Exchange, Queue

broker, queue, arguments, count = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
app = Celery("producer", broker=broker)
app.conf.task_serializer = "json"
app.conf.task_protocol = 2
app.conf.broker_transport_options = {"confirm_publish": True}
app.conf.task_queues = [Queue(queue, Exchange(queue, type="direct"), routing_key=queue, queue_arguments=arguments)]

ids = []
for i in range(count):
    ids.append(app.send_task("tasks.add", args=[i, i], kwargs={"k": i}, queue=queue).id)
later = app.send_task("tasks.report", args=[], kwargs={"when": "later"}, queue=queue, countdown=60)
print(json.dumps({"ids": ids, "countdown_id": later.id}))
