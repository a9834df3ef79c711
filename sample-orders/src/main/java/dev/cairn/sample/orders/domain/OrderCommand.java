package dev.cairn.sample.orders.domain;

/**
 * A request to change one order. Commands carry no order id: they are sent to the order's
 * stream. The records check only that their parts are present; the rules that depend on the
 * values or on the order's state are {@link OrderDecider}'s.
 */
public sealed interface OrderCommand
    permits PlaceOrder,
        AddLine,
        RemoveLine,
        PayOrder,
        ShipOrder,
        CancelOrder,
        StartCheckout,
        CompleteCheckout,
        AbandonCheckout {}
