import type { BankInvoice } from '@ordo/core'
import { formatMoney } from '@ordo/core'
import { t } from './i18n.js'

/** The buyer's requisites at checkout (or on the order page), for the bank invoice. */
export function InvoiceBuyerFields() {
  return (
    <fieldset data-invoice-buyer>
      <legend>{t('invoice.buyer')}</legend>
      <input name="buyerName" placeholder={t('invoice.company')} style="width:100%" />
      <div style="margin-top:6px;display:flex;gap:6px">
        <input name="buyerTaxId" placeholder={t('invoice.taxId')} inputmode="numeric" />
        <input name="buyerKpp" placeholder={t('invoice.kpp')} />
      </div>
    </fieldset>
  )
}

/** The customer's invoices on the order page, and the form to issue one when the order pays by invoice and has none. */
export function OrderInvoices(props: { orderId: string; invoices: BankInvoice[]; canIssue: boolean }) {
  const money = (amount: number, invoice: BankInvoice) => formatMoney({ amount, currency: invoice.currency }, 'ru-RU')
  return (
    <section class="card" style="margin:16px 0" data-invoices={props.invoices.length}>
      <h2 style="margin-top:0">{t('order.invoice')}</h2>
      {props.invoices.map((invoice) => (
        <div data-invoice={invoice.number}>
          <a href={`/orders/${props.orderId}/invoices/${invoice.id}`}>{t('invoice.link', { number: invoice.number, total: money(invoice.total, invoice) })}</a> —{' '}
          {invoice.status === 'paid' ? t('invoice.paid') : t('invoice.issued')}
        </div>
      ))}
      {props.canIssue ? (
        <form method="post" action={`/orders/${props.orderId}/invoice`} style="display:grid;gap:6px;max-width:520px">
          <InvoiceBuyerFields />
          <button>{t('invoice.issue')}</button>
        </form>
      ) : null}
    </section>
  )
}

const STYLE = `
  body{font:14px/1.4 system-ui,sans-serif;color:#111;max-width:820px;margin:24px auto;padding:0 16px}
  table{border-collapse:collapse;width:100%} td,th{border:1px solid #999;padding:4px 6px;text-align:left} .num{text-align:right}
  .bank td{border:1px solid #999} h1{font-size:20px}
`

/** A bank invoice (счёт на оплату) as a printable document, in Russian as the law wants it. */
export function InvoiceDocument(props: { invoice: BankInvoice }) {
  const i = props.invoice
  const money = (amount: number) => formatMoney({ amount, currency: i.currency }, 'ru-RU')
  const s = i.seller
  return (
    <html lang="ru">
      <head>
        <meta charset="utf-8" />
        <title>Счёт {i.number}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body data-invoice={i.number}>
        <table class="bank">
          <tbody>
            <tr>
              <td colspan={2}>{s.bank.name}</td>
              <td>БИК</td>
              <td>{s.bank.bik}</td>
            </tr>
            <tr>
              <td colspan={2}>Банк получателя</td>
              <td>Сч. №</td>
              <td>{s.bank.correspondentAccount}</td>
            </tr>
            <tr>
              <td>ИНН {s.taxId}</td>
              <td>КПП {s.kpp ?? '—'}</td>
              <td rowspan={2}>Сч. №</td>
              <td rowspan={2}>{s.bank.account}</td>
            </tr>
            <tr>
              <td colspan={2}>
                {s.name}
                <br />
                Получатель
              </td>
            </tr>
          </tbody>
        </table>
        <h1>
          Счёт на оплату № {i.number} от {i.date.toLocaleDateString('ru-RU', { timeZone: 'Europe/Moscow' })}
        </h1>
        <p>
          Поставщик: {s.name}, ИНН {s.taxId}
          {s.kpp ? `, КПП ${s.kpp}` : ''}, {s.address}
        </p>
        <p>
          Покупатель: {i.buyer.name}, ИНН {i.buyer.taxId}
          {i.buyer.kpp ? `, КПП ${i.buyer.kpp}` : ''}
          {i.buyer.address ? `, ${i.buyer.address}` : ''}
        </p>
        <p>Основание: заказ № {i.orderNumber}</p>
        <table>
          <thead>
            <tr>
              <th>№</th>
              <th>Товары (работы, услуги)</th>
              <th class="num">Кол-во</th>
              <th class="num">Цена</th>
              <th class="num">Сумма</th>
            </tr>
          </thead>
          <tbody>
            {i.lines.map((line) => (
              <tr>
                <td>{line.lineNo}</td>
                <td>{line.description}</td>
                <td class="num">{line.quantity}</td>
                <td class="num">{money(line.unitPrice)}</td>
                <td class="num">{money(line.amount)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th colspan={4}>Итого</th>
              <th class="num" data-invoice-total={i.total}>
                {money(i.total)}
              </th>
            </tr>
            {i.vatByRate.map((v) => (
              <tr>
                <td colspan={4}>В том числе НДС ({v.vatRate})</td>
                <td class="num">{money(v.amount)}</td>
              </tr>
            ))}
          </tfoot>
        </table>
        <p>
          В назначении платежа укажите номер счёта <strong>{i.number}</strong>.
        </p>
      </body>
    </html>
  )
}
