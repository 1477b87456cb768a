"""Baseline for scripts/bench: panoramisk (asyncio AMI library) doing the same job:
connect, log in, CoreShowChannels, print the events as JSON. Installed only for the
benchmark, in its own virtual environment. Settings from AMIJSON_HOST/PORT/USER/SECRET."""
import asyncio
import json
import os

from panoramisk import Manager


async def main():
    manager = Manager(host=os.environ.get("AMIJSON_HOST", "127.0.0.1"),
                      port=int(os.environ.get("AMIJSON_PORT", "5038")),
                      username=os.environ["AMIJSON_USER"], secret=os.environ["AMIJSON_SECRET"],
                      ping_delay=0, events="off")
    await manager.connect()
    messages = await manager.send_action({"Action": "CoreShowChannels"}, as_list=True)
    records = [dict(m) for m in messages if m.get("Event") == "CoreShowChannel"]
    print(json.dumps({"records": records}))
    manager.close()


asyncio.run(main())
