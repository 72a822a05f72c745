import pytest

from baobao.batches import batched


def test_a_list_is_cut_into_batches_of_the_size_the_last_one_shorter():
    assert list(batched([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(batched([1, 2, 3, 4], 2)) == [[1, 2], [3, 4]]
    assert list(batched([], 2)) == []


def test_an_iterator_is_read_one_batch_at_a_time():
    read = []

    def rows():
        for n in range(10):
            read.append(n)
            yield n

    batches = batched(rows(), 4)
    assert next(batches) == [0, 1, 2, 3]
    assert read == [0, 1, 2, 3]


def test_a_size_under_one_is_refused():
    with pytest.raises(ValueError):
        next(batched([1], 0))
