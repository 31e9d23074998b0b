from hypothesis import given
from hypothesis import strategies as st

from translate.batching import map_batched, token_batches


@given(st.lists(st.integers(min_value=0, max_value=50), max_size=300),
       st.integers(min_value=1, max_value=200), st.integers(min_value=1, max_value=40))
def test_every_item_once_and_budget_kept(lengths: list[int], budget: int, window: int) -> None:
    seen = []
    for batch in token_batches(lengths, lambda n: n, budget, max_batch=16, window=window):
        longest = max(max(n, 1) for _, n in batch)
        assert len(batch) == 1 or longest * len(batch) <= budget
        assert len(batch) <= 16
        seen += [i for i, _ in batch]
    assert sorted(seen) == list(range(len(lengths)))


@given(st.lists(st.text(max_size=30), max_size=100))
def test_results_come_back_in_input_order(items: list[str]) -> None:
    assert map_batched(lambda xs: [x[::-1] for x in xs], items, len, 40) == \
        [x[::-1] for x in items]
