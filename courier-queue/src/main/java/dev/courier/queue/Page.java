package dev.courier.queue;

import java.util.List;

/**
 * One page of a cursor-paged listing.
 *
 * @param items the items of this page
 * @param nextCursor pass it back to get the next page; null when this is the last page
 */
public record Page<T>(List<T> items, String nextCursor) {}
