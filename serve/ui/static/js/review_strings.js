// Strings the review page added after i18n.js: asking before a bulk decision, undoing a
// rejection.

export const REVIEW_STRINGS = {
  zh: {
    "bulk.ask_confirm": "确认所选的 {n} 个案件？",
    "undo.hint": "按 U 撤销",
    "undo.done": "已撤销驳回，#{ids} 回到待审队列",
    "undo.none": "没有可撤销的驳回",
    "key.undo": "撤销刚才的驳回",
  },
  en: {
    "bulk.ask_confirm": "Confirm the {n} selected cases?",
    "undo.hint": "press U to undo",
    "undo.done": "Rejection undone: #{ids} back in the queue",
    "undo.none": "No rejection to undo",
    "key.undo": "Undo the last rejection",
  },
};
