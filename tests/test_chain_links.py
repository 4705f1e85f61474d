"""A client's chain, extended event by event, makes exactly the links ``link`` makes over
each event's fields: the one definition ``verify`` and an auditor's script rely on."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from caselog.adapters.chain import GENESIS, EventChain, event_fields, link

_keys = st.one_of(st.none(), st.binary(min_size=1, max_size=200))
_events = st.lists(
    st.tuples(st.sampled_from(["a:B", "caselog.domain.events:UtteranceRecorded"]), st.binary()),
    min_size=1,
    max_size=8,
)


@given(key=_keys, client=st.text(min_size=1, max_size=40), events=_events)
def test_extending_a_chain_gives_the_links_of_the_fields_one_by_one(key, client, events):
    chain = EventChain(client, GENESIS, key)
    previous = GENESIS
    for version, (topic, state) in enumerate(events, start=1):
        previous = link(previous, event_fields(topic, client, version, state), key)
        assert chain.extend(topic, version, state) == previous
