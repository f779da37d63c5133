"""One small handler per activity type: `async def handle(services: Services, activity)`; raise
from instance.services import Services
`inbox.process.Drop(reason)` to acknowledge without acting."""
