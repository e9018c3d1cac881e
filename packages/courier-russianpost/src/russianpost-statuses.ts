import type { CarrierStatus } from '@ordo/core'

/**
 * Operation types of the Russian Post tracking service (`OperTypeID`, the
 * "operation codes" dictionary of tracking.pochta.ru) the adapter tells
 * apart. Every other code maps to `in_transit`.
 */
export const RUSSIAN_POST_OPERATIONS = {
  /** Приём: the post office took the parcel. */
  ACCEPTANCE: 1,
  /** Вручение: handed to the addressee (or, for some attributes, back to the sender). */
  DELIVERY: 2,
  /** Возврат: sent back to the sender. */
  RETURN: 3,
  /** Досылка почты: forwarded. */
  FORWARDING: 4,
  /** Невручение: not delivered (lost, seized…). */
  NON_DELIVERY: 5,
  /** Хранение: kept at the office for the addressee. */
  STORAGE: 6,
  /** Обработка: sorting; attribute 2 "Прибыло в место вручения" means waiting at the office. */
  PROCESSING: 8,
  /** Неудачная попытка вручения. */
  FAILED_DELIVERY: 12,
  /** Передача на временное хранение (final). */
  TEMPORARY_STORAGE_TRANSFER: 15,
  /** Уничтожение (final). */
  DESTRUCTION: 16,
  /** Оформление в собственность (final). */
  CONFISCATION: 17,
  /** Регистрация утраты (final). */
  LOSS_REGISTERED: 18,
  /** Доставка (to the mailbox or into the hands of the addressee). */
  DOOR_DELIVERY: 21,
  /** Отмена. */
  CANCELLATION: 26,
  /** Вторая неудачная попытка вручения. */
  SECOND_FAILED_DELIVERY: 42,
  /** Частичное вручение (ECOM partial buyout). */
  PARTIAL_DELIVERY: 48,
} as const

/** Вручение attributes meaning "handed back to the sender": 2 отправителю, 4 отправителю через почтомат, 7 отправителю почтальоном, 9 отправителю курьером. */
const DELIVERED_TO_SENDER = new Set([2, 4, 7, 9])
/** Обработка attributes meaning "waiting for the addressee": arrived at the office (2), at a locker (9), storage about to expire (10, 27, 28, 33, 35), at a parcel pickup centre (14). */
const WAITING_FOR_ADDRESSEE = new Set([2, 9, 10, 14, 27, 28, 33, 35])
/** Неудачная попытка вручения attributes meaning the addressee refused the parcel: 6 "Отказ от получения". */
const REFUSAL = new Set([6])
/** Невручение attributes that are final losses: 1 Утрачено, 2 Изъято. */
const LOST = new Set([1, 2])

/**
 * Maps one tracking operation (`OperTypeID`, `OperCtgID`) to core's
 * `CarrierStatus`. Unknown codes (customs, international exchange,
 * notices) are `in_transit`: the parcel is on its way and the raw code is
 * kept next to the status.
 *
 * @example
 * ```ts
 * russianPostStatus(8, 2) // 'at_pickup_point' (Обработка: Прибыло в место вручения)
 * russianPostStatus(2, 1) // 'delivered' (Вручение адресату)
 * russianPostStatus(2, 2) // 'returned' (Вручение отправителю)
 * ```
 */
export function russianPostStatus(operationType: number, attribute: number): CarrierStatus {
  const op = RUSSIAN_POST_OPERATIONS
  switch (operationType) {
    case op.ACCEPTANCE:
      return 'handed_over'
    case op.DELIVERY:
      return DELIVERED_TO_SENDER.has(attribute) ? 'returned' : 'delivered'
    case op.DOOR_DELIVERY:
      return 'delivered'
    case op.PARTIAL_DELIVERY:
      return 'partially_delivered'
    case op.RETURN:
      return 'returning'
    case op.STORAGE:
      return 'at_pickup_point'
    case op.PROCESSING:
      return WAITING_FOR_ADDRESSEE.has(attribute) ? 'at_pickup_point' : 'in_transit'
    case op.FAILED_DELIVERY:
    case op.SECOND_FAILED_DELIVERY:
      return REFUSAL.has(attribute) ? 'refused' : 'in_transit'
    case op.NON_DELIVERY:
      return LOST.has(attribute) ? 'lost' : 'in_transit'
    case op.TEMPORARY_STORAGE_TRANSFER:
    case op.DESTRUCTION:
    case op.CONFISCATION:
    case op.LOSS_REGISTERED:
      return 'lost'
    case op.CANCELLATION:
      return 'cancelled'
    default:
      return 'in_transit'
  }
}

/** The raw status code kept next to a mapped one: `"{OperTypeID}/{OperCtgID}"`, e.g. `"8/2"`. */
export function russianPostRawStatus(operationType: number, attribute: number): string {
  return `${operationType}/${attribute}`
}
