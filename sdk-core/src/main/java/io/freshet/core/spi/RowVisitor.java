package io.freshet.core.spi;

/**
 * What a reader does with a row that a store shows it in place, under the row's seqlock, instead of copying the
 * whole row out first: {@link RowStore#readRow(long, RowVisitor)} calls {@link #visit} with a view of the stored row
 * and re-checks the row's version afterwards; when a writer changed the row meanwhile, it calls {@code visit} again.
 * Only the last call's results count.
 *
 * <p>So an implementation must: only read the row (never write it, never keep the view); write every result it
 * produces afresh on each call; and survive a torn row (values of two versions mixed) without throwing or looping
 * for longer than the layout allows, because a torn call's results are discarded. Offsets must come from the
 * layout, never from the row's contents.
 *
 * <p>Threading: one instance per reading thread. Allocation: none; the view and the copy target are the visitor's
 * own buffers, re-wrapped by the store.
 */
public interface RowVisitor {
    /**
     * Reads one consistent-or-retried image of a row.
     *
     * @param row a view of the row, valid only during the call
     */
    void visit(RowBuffer row);

    /** @return a buffer the store may re-wrap over its own memory to pass to {@link #visit} */
    RowBuffer view();

    /**
     * @return a heap row of at least the layout's row size, for stores that copy the row out first (the default
     *     {@link RowStore#readRow(long, RowVisitor)})
     */
    RowBuffer copyTarget();
}
