import { type CuratedFixture, customerRow, lineRow, productRow } from './curated-batch';

/**
 * A small shop whose every view row is worked out by hand in the tests: three customers in two
 * countries, four products (one without a category), five orders of six lines over three days, with
 * statuses, channels and payment methods (some missing).
 *
 * | line | date  | status    | cust | prod | qty | revenue | cost   | profit | channel | payment |
 * | o1/1 | 11-24 | completed | c1   | p1   | 1   | 1000.00 | 700.00 | 300.00 | web     | card    |
 * | o1/2 | 11-24 | completed | c1   | p3   | 3   |   30.00 |  18.00 |  12.00 | web     | card    |
 * | o2/1 | 11-25 | shipped   | c2   | p2   | 2   | 1000.00 | 600.00 | 400.00 | mobile  | paypal  |
 * | o3/1 | 11-25 | cancelled | c3   | p1   | 1   | 1000.00 | 700.00 | 300.00 | -       | card    |
 * | o4/1 | 11-26 | completed | c2   | p3   | 5   |   50.00 |  30.00 |  20.00 | web     | -       |
 * | o5/1 | 11-26 | completed | c3   | p4   | 2   |   50.00 |  30.00 |  20.00 | store   | cash    |
 *
 * o1/1 has a 10 % discount (100.00): net revenue 900.00. c1 and c3 live in the United Kingdom, c2 in the
 * United States; p1 laptops, p2 smartphones, p3 beauty, p4 no category.
 */
export function shopFixture(batchId: string): Required<Omit<CuratedFixture, 'orders'>> {
  const line = (
    order_id: string,
    line_no: number,
    order_date: string,
    status: string,
    customer_id: string,
    product_id: string,
    quantity: number,
    unit_price: string,
    unit_cost: string,
    channel: string | null,
    payment_method: string | null,
    discount_amount?: string,
  ) => {
    const revenue = (Number(unit_price) * quantity).toFixed(2);
    const cost = (Number(unit_cost) * quantity).toFixed(2);
    const profit = (Number(revenue) - Number(cost)).toFixed(2);
    return lineRow(
      {
        order_id,
        line_no,
        order_date: `2026-${order_date}`,
        status,
        customer_id,
        product_id,
        quantity,
        unit_price,
        revenue,
        unit_cost,
        cost,
        profit,
        channel,
        payment_method,
        ...(discount_amount ? { discount_amount } : {}),
      },
      batchId,
    );
  };
  return {
    batchId,
    customers: [
      customerRow('c1', 'Ada', 'Lovelace', 'United Kingdom', batchId),
      customerRow('c2', 'Grace', 'Hopper', 'United States', batchId),
      customerRow('c3', 'Alan', 'Turing', 'United Kingdom', batchId),
    ],
    products: [
      productRow('p1', 'Laptop', 'laptops', '1000.00', '700.00', batchId),
      productRow('p2', 'Phone', 'smartphones', '500.00', '300.00', batchId),
      productRow('p3', 'Mascara', 'beauty', '10.00', '6.00', batchId),
      productRow('p4', 'Gift card', null, '25.00', '15.00', batchId),
    ],
    order_lines: [
      line('o1', 1, '11-24', 'completed', 'c1', 'p1', 1, '1000.00', '700.00', 'web', 'card', '100.00'),
      line('o1', 2, '11-24', 'completed', 'c1', 'p3', 3, '10.00', '6.00', 'web', 'card'),
      line('o2', 1, '11-25', 'shipped', 'c2', 'p2', 2, '500.00', '300.00', 'mobile', 'paypal'),
      line('o3', 1, '11-25', 'cancelled', 'c3', 'p1', 1, '1000.00', '700.00', null, 'card'),
      line('o4', 1, '11-26', 'completed', 'c2', 'p3', 5, '10.00', '6.00', 'web', null),
      line('o5', 1, '11-26', 'completed', 'c3', 'p4', 2, '25.00', '15.00', 'store', 'cash'),
    ],
    order_rejects: [
      {
        source: 'shop',
        batch_id: batchId,
        record_type: 'order_line',
        reason_code: 'INVALID_QUANTITY',
        reason_codes: 'INVALID_QUANTITY',
        reason_detail: 'quantity must be a positive integer',
        raw_record: '{"id":9,"quantity":0}',
        record_key: 'o9#1',
        source_file: 'https://shop.example/carts?page=1',
        source_line: null,
        ingested_at: '2026-11-26T03:00:00.000Z',
      },
    ],
  };
}
