/**
 * The checkout saga of the tutorial, as domain code: the {@link
 * dev.cairn.sample.orders.checkout.InventoryDecider inventory} (one stream per sku), the {@link
 * dev.cairn.sample.orders.checkout.PaymentDecider payment} (one stream per order) and the {@link
 * dev.cairn.sample.orders.checkout.CheckoutProcess checkout process} that spans them and the order.
 * Like the order domain it imports nothing from Jdbi, Kafka or Jackson: es-api's decider model and
 * es-workflows' input and action records only.
 *
 * <p>Orders freeze their lines when the checkout starts ({@code StartCheckout}): the stock is
 * reserved for the lines as they stand, and nothing has to adjust reservations afterwards.
 */
@NullMarked
package dev.cairn.sample.orders.checkout;

import org.jspecify.annotations.NullMarked;
