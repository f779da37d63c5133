"""One small handler per activity type: `async def handle(services, activity)`; raise
`inbox.process.Drop(reason)` to acknowledge without acting."""
