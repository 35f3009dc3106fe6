"""The numba kernels behind :mod:`wordvec.compiled` (importing this module imports numba).

Each kernel mirrors a numpy function of the pipeline and must give exactly its result;
``tests/test_compiled.py`` compares them.
"""

from __future__ import annotations

import numba
import numpy as np

_LINE_ID = -1  # wordvec.vocab.LINE_ID
_OOV_ID = -2  # wordvec.vocab.OOV_ID
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_UNIT = 1.0 / 9007199254740992.0  # 2^-53

#: A row with more distinct columns than 1/_DENSE_ROW of all is read from the dense
#: accumulator in column order (a pass over a bit per column, 64 at a time) instead of sorting
#: its columns: on the bench corpus's merge (one thread, the same blocks) 1.83-1.85 s from 1024 to
#: 16384, 2.30 s at 256, against 2.84-3.16 s for a byte per column (eight at a time) at 128, which
#: was that pass's best; sorting was 1.8 s of the 3.0. (Those ran with numba's trailing-zeros
#: instruction; the de Bruijn table below, which needs no internal numba API, ran as fast: 1.98-2.00 s
#: against 1.92-2.01 s in one run.)
_DENSE_ROW = 1024
_ONE = np.uint64(1)
#: The place of a 64-bit word's one set bit, ``_BIT_PLACE[(word * _DE_BRUIJN) >> 58]`` (a de Bruijn
#: sequence: each bit's product has its own top six bits), without an instruction numba does not expose.
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_BIT_PLACE = np.zeros(64, dtype=np.int64)
_BIT_PLACE[((_ONE << np.arange(64, dtype=np.uint64)) * _DE_BRUIJN) >> np.uint64(58)] = np.arange(64)

_compile = numba.njit(cache=True, nogil=True, boundscheck=False)


@_compile
def kept_tokens(
    ids: np.ndarray, offset: int, keep_probability: np.ndarray, subsample: bool, seed: np.uint64, carry: np.ndarray
) -> np.ndarray:
    """``carry`` followed by the ids that :func:`wordvec.cooccur.counted_positions` keeps, in one pass.

    The draws are :func:`wordvec.cooccur.position_uniforms`'s splitmix64 of the absolute
    position, computed in the same unsigned 64-bit arithmetic.
    """
    out = np.empty(len(carry) + len(ids), dtype=np.int32)
    kept = 0
    for k in range(len(carry)):
        out[kept] = carry[k]
        kept += 1
    for k in range(len(ids)):
        token = ids[k]
        if token == _OOV_ID:
            continue
        if subsample and token >= 0:
            state = np.uint64(offset + k) * _GOLDEN + seed
            state ^= state >> np.uint64(30)
            state *= _MIX_1
            state ^= state >> np.uint64(27)
            state *= _MIX_2
            state ^= state >> np.uint64(31)
            if np.float64(state >> np.uint64(11)) * _UNIT >= keep_probability[token]:
                continue
        out[kept] = token
        kept += 1
    return out[:kept]


@_compile
def forward_counts(
    tokens: np.ndarray, first_right: int, vocab_size: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays (indptr, indices, data) of the weighted forward pairs of ``tokens`` whose right token is at ``first_right`` or later.

    Duplicates are summed; a row's columns are not sorted.

    ``tokens`` holds vocabulary ids and ``-1`` at line ends (no out-of-vocabulary ids); a
    pair is two ids at most ``len(weights)`` apart with no line end between them, weighted
    ``weights[distance - 1]``. The pairs are bucketed by row (a counting sort), then summed
    row by row (:func:`_sum_buckets`).
    """
    window = len(weights)
    n = len(tokens)
    start = max(first_right - window, 0)
    row_starts = np.zeros(vocab_size + 1, dtype=np.int64)
    for i in range(start, n):
        left = tokens[i]
        if left < 0:
            continue
        for j in range(i + 1, min(i + window, n - 1) + 1):
            if tokens[j] < 0:
                break
            if j >= first_right:
                row_starts[left + 1] += 1
    for row in range(vocab_size):
        row_starts[row + 1] += row_starts[row]
    columns = np.empty(row_starts[vocab_size], dtype=np.int32)
    values = np.empty(row_starts[vocab_size], dtype=np.int64)
    filled = row_starts[:-1].copy()
    for i in range(start, n):
        left = tokens[i]
        if left < 0:
            continue
        for j in range(i + 1, min(i + window, n - 1) + 1):
            right = tokens[j]
            if right < 0:
                break
            if j >= first_right:
                place = filled[left]
                columns[place] = right
                values[place] = weights[j - i - 1]
                filled[left] = place + 1
    return _sum_buckets(row_starts, columns, values, vocab_size)


@_compile
def _sum_buckets(
    row_starts: np.ndarray, columns: np.ndarray, values: np.ndarray, n_columns: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays of rows whose (column, value) entries lie in ``columns[row_starts[r]:row_starts[r + 1]]``, duplicates summed.

    Each row's values are summed in a dense accumulator with a slot per column: for one
    row, a table indexed by column, which stays in the cache while the row's entries stream
    through it. The distinct columns, in order of first appearance (not sorted: whoever
    merges these counts sorts once, at the end), and their sums are written over the front
    of the arrays (the output never overtakes the input). Values must be positive.
    """
    n_rows = len(row_starts) - 1
    totals = np.zeros(n_columns, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    out = 0
    for row in range(n_rows):
        count = 0
        for place in range(row_starts[row], row_starts[row + 1]):
            column = columns[place]
            if totals[column] == 0:  # positive values: zero means not seen yet in this row
                columns[out + count] = column
                count += 1
            totals[column] += values[place]
        for place in range(out, out + count):
            values[place] = totals[columns[place]]
            totals[columns[place]] = 0
        out += count
        indptr[row + 1] = out
    return indptr, columns[:out].copy(), values[:out].copy()


@_compile
def sum_layout_rows(
    starts: np.ndarray, indices: np.ndarray, values: np.ndarray, n_columns: int, sort: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR arrays of rows summed over several sparse layouts (integer sums; zero sums dropped).

    Row ``r``'s entries in layout ``l`` are ``indices[starts[l, r]:starts[l, r + 1]]`` (columns)
    and the same slice of ``values``; each row is summed in a dense accumulator (as in
    :func:`_sum_buckets`), without first gathering the entries by row. With ``sort``, each
    row's columns come out sorted (a long row read from the accumulator in column order),
    else in order of first appearance.
    """
    layouts, n_rows = starts.shape[0], starts.shape[1] - 1
    totals = np.zeros(n_columns, dtype=np.int64)
    seen = np.zeros(n_columns, dtype=np.bool_)
    marks = np.zeros(-(-n_columns // 64), dtype=np.uint64)  # a bit per column, set for a long row only
    entries = 0
    for layout in range(layouts):
        entries += starts[layout, n_rows] - starts[layout, 0]
    columns = np.empty(entries, dtype=np.int32)
    sums = np.empty(entries, dtype=np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    out = 0
    for row in range(n_rows):
        count = 0
        for layout in range(layouts):
            for place in range(starts[layout, row], starts[layout, row + 1]):
                column = indices[place]
                if not seen[column]:
                    seen[column] = True
                    columns[out + count] = column
                    count += 1
                totals[column] += values[place]
        if sort:
            if count * _DENSE_ROW > n_columns:  # a long row: its columns in order from their bits, rather than sorted
                for place in range(out, out + count):
                    marks[columns[place] >> 6] |= _ONE << np.uint64(columns[place] & 63)
                count = 0
                for word in range(len(marks)):
                    bits = marks[word]
                    if bits != 0:
                        marks[word] = 0
                        while bits != 0:  # the lowest set bit, then clear it
                            columns[out + count] = word * 64 + _BIT_PLACE[((bits & (~bits + _ONE)) * _DE_BRUIJN) >> np.uint64(58)]
                            count += 1
                            bits &= bits - _ONE
            else:
                columns[out : out + count].sort()
        kept = 0
        for place in range(out, out + count):
            column = columns[place]
            if totals[column] != 0:
                columns[out + kept] = column
                sums[out + kept] = totals[column]
                kept += 1
            totals[column] = 0
            seen[column] = False
        out += kept
        indptr[row + 1] = out
    return indptr, columns[:out].copy(), sums[:out].copy()


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_NEWLINE = 10


@_compile
def lookup_tokens(
    codes: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    first: int,
    slots: np.ndarray,
    slot_hashes: np.ndarray,
    hashes: np.ndarray,
    word_starts: np.ndarray,
    word_lengths: np.ndarray,
    store: np.ndarray,
    state: np.ndarray,
    out: np.ndarray,
) -> int:
    """Write the id of each token ``first, first + 1, ...`` (code points ``codes[starts[k]:ends[k]]``) to ``out[k]``.

    A token is looked up by the FNV-1a hash of its code points in an open-addressing table
    (``slots``: a word id or -1, and ``slot_hashes`` its hash, read first: one cache line
    for a probe that misses; linear probing), and compared code point by code point
    with the word stored there, so equal hashes never merge two words. A new token becomes
    the next word: its hash, its code points (appended to ``store``) and where they are.
    ``state`` holds the number of words and of code points stored. A line end (one
    ``\\n``) is -1. Stops before a token that would fill the table past half, or overflow
    the word arrays or ``store``, and returns the number of tokens done: the caller grows
    the arrays and calls again from there.
    """
    mask = len(slots) - 1
    words, used = state[0], state[1]
    word_limit = min(len(hashes), len(slots) // 2)
    k = first
    while k < len(starts):
        start, end = starts[k], ends[k]
        length = end - start
        if length == 1 and codes[start] == _NEWLINE:
            out[k] = _LINE_ID
            k += 1
            continue
        key = _FNV_OFFSET
        for place in range(start, end):
            key = (key ^ np.uint64(codes[place])) * _FNV_PRIME
        slot = np.int64(key & np.uint64(mask))
        found = -1
        while slots[slot] >= 0:
            word = slots[slot]
            if slot_hashes[slot] == key and word_lengths[word] == length:
                stored = word_starts[word]
                same = True
                for offset in range(length):
                    if store[stored + offset] != codes[start + offset]:
                        same = False
                        break
                if same:
                    found = word
                    break
            slot = (slot + 1) & mask
        if found < 0:
            if words >= word_limit or used + length > len(store):
                break
            found = words
            words += 1
            slots[slot] = found
            slot_hashes[slot] = key
            hashes[found] = key
            word_starts[found] = used
            word_lengths[found] = length
            for offset in range(length):
                store[used + offset] = codes[start + offset]
            used += length
        out[k] = found
        k += 1
    state[0], state[1] = words, used
    return k


# Flags of a code point as wordvec.vectorized_tokenize sets them (_WORD, _DIGIT, _EMOJI, _JOINER, _DOT_COMMA).
_WORD, _DIGIT, _EMOJI, _JOINER, _DOT_COMMA = 1, 2, 4, 8, 16
# What a text's code point asks of the normalisation (wordvec.vectorized_tokenize._normalising_tables).
_NEEDS_PYTHON, _DROPPED = 1, 2
_APOSTROPHE, _SMALL_S, _LINE_END = 39, 115, 10


@_compile
def normalized_token_spans(
    raw: np.ndarray,
    first: int,
    stop: int,
    lower: np.ndarray,
    needs: np.ndarray,
    flags: np.ndarray,
    astral_codes: np.ndarray,
    astral_lower: np.ndarray,
    astral_needs: np.ndarray,
    astral_flags: np.ndarray,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`wordvec.tokenize.normalize_text` and then the token spans, over code points ``raw[first:stop]`` of a text.

    ``lower``, ``needs`` and ``flags`` describe each code point below U+10000 (its
    normalised lowercase, whether it needs Python's normalisation or is dropped, and the
    token rules' flags of a normalised code point); ``astral_*`` the same for the text's
    code points above, sorted. Returns the place of the first code point that needs
    Python's normalisation (one NFC might change, or whose lowercase depends on its
    neighbours) and empty arrays; else -1, the normalised code points, and the start and
    end of each token in them, as :func:`wordvec.vectorized_tokenize.token_code_spans`
    finds them.
    """
    codes = np.empty(stop - first, dtype=np.uint32)
    marks = np.empty(stop - first, dtype=np.uint8)
    kept = 0
    for i in range(first, stop):
        code = raw[i]
        if code < 65536:
            need = needs[code]
            normal = lower[code]
            mark = flags[normal]
        else:
            place = np.searchsorted(astral_codes, code)
            need = astral_needs[place]
            normal = astral_lower[place]
            mark = astral_flags[place]
        if need & _NEEDS_PYTHON:
            return i, codes[:0], np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        if need & _DROPPED:
            continue
        codes[kept] = normal
        marks[kept] = mark
        kept += 1
    # The clitic: "'s" before a code point that is not a word character, or at the end, is
    # dropped; matches do not overlap and look ahead in the text before any is dropped.
    length = 0
    i = 0
    while i < kept:
        if codes[i] == _APOSTROPHE and i + 1 < kept and codes[i + 1] == _SMALL_S and (i + 2 == kept or marks[i + 2] & _WORD == 0):
            i += 2
            continue
        codes[length] = codes[i]
        marks[length] = marks[i]
        length += 1
        i += 1
    # The regular expression's tokens: runs of word characters, joined through an apostrophe
    # or hyphen between word characters, or through "." or "," between digits (then digits
    # only); an emoji and a line end alone.
    starts = np.empty(length + 1, dtype=np.int64)
    ends = np.empty(length + 1, dtype=np.int64)
    tokens = 0
    i = 0
    while i < length:
        mark = marks[i]
        if mark & _WORD:
            start = i
            i += 1
            while i < length and marks[i] & _WORD:
                i += 1
            while i + 1 < length:
                if marks[i] & _JOINER and marks[i + 1] & _WORD:
                    i += 2
                    while i < length and marks[i] & _WORD:
                        i += 1
                elif marks[i] & _DOT_COMMA and marks[i - 1] & _DIGIT and marks[i + 1] & _DIGIT:
                    i += 2
                    while i < length and marks[i] & _DIGIT:
                        i += 1
                else:
                    break
            starts[tokens] = start
            ends[tokens] = i
            tokens += 1
        else:
            if mark & _EMOJI or codes[i] == _LINE_END:
                starts[tokens] = i
                ends[tokens] = i + 1
                tokens += 1
            i += 1
    return -1, codes[:length], starts[:tokens], ends[:tokens]


@_compile
def fill_slots(slots: np.ndarray, slot_hashes: np.ndarray, hashes: np.ndarray, words: int) -> None:
    """Put words ``0 .. words - 1`` into an empty (all -1) table ``slots`` by their hashes, as :func:`lookup_tokens` probes."""
    mask = len(slots) - 1
    for word in range(words):
        slot = np.int64(hashes[word] & np.uint64(mask))
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = word
        slot_hashes[slot] = hashes[word]


@_compile
def tile_runs(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, tile_lines: int, tiles: int, run_rows: np.ndarray,
    run_tiles: np.ndarray, run_ends: np.ndarray, sorted_indices: np.ndarray, sorted_data: np.ndarray,
) -> int:
    """A CSR matrix's entries in runs, tile after tile of its columns: the pieces of ``A X``.

    Entry ``p`` is in tile ``indices[p] // tile_lines`` (of ``tiles``); a row's entries of one
    tile must be contiguous (sorted columns). Writes the entries into ``sorted_indices, sorted_data``
    ordered by tile, then row, then their order in the row, and for each run (one row's
    entries in one tile) its row, tile and end; returns the number of runs. Two passes
    over the entries, the second writing each tile's where the first counted it to start.
    """
    entry_starts = np.zeros(tiles + 1, dtype=np.int64)
    run_starts = np.zeros(tiles + 1, dtype=np.int64)
    for row in range(len(indptr) - 1):
        previous = -1
        for place in range(indptr[row], indptr[row + 1]):
            tile = indices[place] // tile_lines
            entry_starts[tile + 1] += 1
            if tile != previous:
                run_starts[tile + 1] += 1
                previous = tile
    entry_cursor = np.cumsum(entry_starts)
    run_cursor = np.cumsum(run_starts)
    runs = run_cursor[-1]
    run = 0
    for row in range(len(indptr) - 1):
        previous = -1
        for place in range(indptr[row], indptr[row + 1]):
            tile = indices[place] // tile_lines
            if tile != previous:
                run = run_cursor[tile]
                run_cursor[tile] += 1
                run_rows[run] = row
                run_tiles[run] = tile
                previous = tile
            target = entry_cursor[tile]
            entry_cursor[tile] += 1
            sorted_indices[target] = indices[place]
            sorted_data[target] = data[place]
            run_ends[run] = target + 1
    return runs


@_compile
def transpose_runs(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, row_tiles: np.ndarray, units: int, col_groups: np.ndarray,
    run_rows: np.ndarray, run_tiles: np.ndarray, run_ends: np.ndarray, sorted_indices: np.ndarray, sorted_data: np.ndarray,
) -> int:
    """A CSR matrix's transpose in runs, group after group of its columns: the pieces of ``A^T X``.

    Row ``r`` is in tile ``row_tiles[r]`` (of ``units``, in increasing order); the columns are
    cut into groups at ``col_groups``. Writes the entries' rows and values ordered by
    (group of their column, tile of their row, column, row), each (column, tile) a run whose
    row (the column, counted from its group's first), tile (``group * units + tile``) and
    end it writes; returns the number of runs: the order :func:`tile_runs` would give the
    CSC form, without making the CSC form (a count, then each entry to its place).
    """
    columns = col_groups[-1]
    places = np.zeros(columns * units, dtype=np.int64)
    for row in range(len(indptr) - 1):
        unit = row_tiles[row]
        for place in range(indptr[row], indptr[row + 1]):
            places[indices[place] * units + unit] += 1
    runs = 0
    end = 0
    for group in range(len(col_groups) - 1):
        for unit in range(units):
            for column in range(col_groups[group], col_groups[group + 1]):
                key = column * units + unit
                count = places[key]
                if count == 0:
                    continue
                places[key] = end  # from a count to where the run starts
                end += count
                run_rows[runs] = column - col_groups[group]
                run_tiles[runs] = group * units + unit
                run_ends[runs] = end
                runs += 1
    for row in range(len(indptr) - 1):
        unit = row_tiles[row]
        for place in range(indptr[row], indptr[row + 1]):
            key = indices[place] * units + unit
            target = places[key]
            places[key] = target + 1
            sorted_indices[target] = row
            sorted_data[target] = data[place]
    return runs


@_compile
def gather_product(
    rows: np.ndarray, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, inputs: np.ndarray, out: np.ndarray
) -> None:
    """``out += A @ inputs`` for ``A`` in CSR form, adding as scipy's ``csr_matvecs`` adds.

    ``A``'s rows with entries are ``rows``, and ``indptr, indices, data`` are their CSR
    arrays (``A``'s other rows are empty). Row ``rows[r]`` of ``out`` adds ``data[p] * inputs[indices[p]]`` for each of its entries ``p``
    in turn, each a multiply then an add: the same operations in the same order as
    scipy's kernel, so the same bits. Four entries go at once, so that the output row is
    loaded and stored once for four input rows (its loads and stores are what bound the
    product; the input rows come from a cache-sized tile).
    """
    width = inputs.shape[1]
    for r in range(len(rows)):
        row = out[rows[r]]
        place, end = indptr[r], indptr[r + 1]
        while place + 3 < end:
            first, second, third, fourth = inputs[indices[place]], inputs[indices[place + 1]], inputs[indices[place + 2]], inputs[indices[place + 3]]
            a, b, c, d = data[place], data[place + 1], data[place + 2], data[place + 3]
            for k in range(width):
                row[k] = (((row[k] + a * first[k]) + b * second[k]) + c * third[k]) + d * fourth[k]
            place += 4
        while place < end:
            source, value = inputs[indices[place]], data[place]
            for k in range(width):
                row[k] = row[k] + value * source[k]
            place += 1


@_compile
def count_columns(indices: np.ndarray, counts: np.ndarray) -> None:
    """``counts[c] += 1`` for each column index ``c`` of ``indices``: ``np.bincount`` added in place, without its copy to 64-bit integers."""
    for place in range(len(indices)):
        counts[indices[place]] += 1


@_compile
def positive_pmi(
    log_counts: np.ndarray, indptr: np.ndarray, indices: np.ndarray, log_rows: np.ndarray, log_smoothed_cols: np.ndarray,
    shift: np.float32, values: np.ndarray, columns: np.ndarray, kept_before: np.ndarray,
) -> int:
    """The positive cells of a block of rows of :func:`wordvec.ppmi.ppmi`, in one pass: their values, columns and count.

    Row ``r``'s cell ``p`` (``indptr[r] <= p < indptr[r + 1]``, from 0) is
    ``((log_counts[p] - log_rows[r]) - log_smoothed_cols[indices[p]]) + shift`` in float32,
    each step rounded as numpy's in-place steps round it; the cells above zero and finite
    are written to the front of ``values`` and ``columns``, and ``kept_before[r]`` is the
    number kept before row ``r`` (``kept_before[rows]`` all of them, which is returned).
    """
    kept = 0
    rows = len(indptr) - 1
    for row in range(rows):
        kept_before[row] = kept
        log_row = log_rows[row]
        for place in range(indptr[row], indptr[row + 1]):
            column = indices[place]
            value = ((log_counts[place] - log_row) - log_smoothed_cols[column]) + shift
            if value > 0 and value < np.inf:
                values[kept] = value
                columns[kept] = column
                kept += 1
    kept_before[rows] = kept
    return kept


@_compile
def add_ridge_and_curvature(direction: np.ndarray, product: np.ndarray, ridge: np.float32, curvature: np.ndarray) -> None:
    """A conjugate-gradient step of :func:`wordvec.subwords._conjugate_gradients` in one pass over the rows.

    ``product += ridge * direction``, then ``curvature = einsum("ij,ij->j", direction, product)``:
    each product rounded to float32, then added row after row, as numpy's ``einsum`` adds them here.
    """
    rows, width = direction.shape
    curvature[:] = 0
    for i in range(rows):
        for j in range(width):
            value = product[i, j] + ridge * direction[i, j]
            product[i, j] = value
            curvature[j] += direction[i, j] * value


@_compile
def take_step(
    solution: np.ndarray,
    residual: np.ndarray,
    direction: np.ndarray,
    product: np.ndarray,
    preconditioned: np.ndarray,
    inverse_diagonal: np.ndarray,
    step: np.ndarray,
    rz: np.ndarray,
) -> None:
    """The next conjugate-gradient step's update, in one pass: ``solution += direction * step``,
    ``residual -= product * step``, ``preconditioned = residual * inverse_diagonal[:, None]`` and
    ``rz = einsum("ij,ij->j", residual, preconditioned)``, rounded as numpy rounds each."""
    rows, width = direction.shape
    rz[:] = 0
    for i in range(rows):
        scale = inverse_diagonal[i]
        for j in range(width):
            solution[i, j] = solution[i, j] + direction[i, j] * step[j]
            remaining = residual[i, j] - product[i, j] * step[j]
            residual[i, j] = remaining
            scaled = remaining * scale
            preconditioned[i, j] = scaled
            rz[j] += remaining * scaled


@_compile
def next_direction(direction: np.ndarray, preconditioned: np.ndarray, beta: np.ndarray) -> None:
    """``direction *= beta; direction += preconditioned`` in one pass (each rounded, as numpy's two steps)."""
    rows, width = direction.shape
    for i in range(rows):
        for j in range(width):
            direction[i, j] = direction[i, j] * beta[j] + preconditioned[i, j]
