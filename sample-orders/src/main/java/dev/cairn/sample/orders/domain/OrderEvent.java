package dev.cairn.sample.orders.domain;

/**
 * Something that happened to one order. Events carry no order id: the id of their stream is the
 * order's id. They are facts, so they check only that their parts are present and never re-check
 * the rules that held when they were decided: a rule tightened later must not make old events
 * unreadable.
 */
public sealed interface OrderEvent
    permits OrderPlaced,
        LineAdded,
        LineRemoved,
        OrderPaid,
        OrderShipped,
        OrderCancelled,
        CheckoutStarted {}
