// cron-words.js - a parsed cron expression (cron.js's parseCron) in plain
// words: English and Simplified Chinese. Pure: no DOM, no i18n import.

const isAny = (f) => f.every((i) => i.type === 'any');
const isVal = (f) => f.length === 1 && f[0].type === 'val';
const allVals = (f) => f.every((i) => i.type === 'val');
const pad = (n) => String(n).padStart(2, '0');

const EN = {
  join(list) {
    if (list.length <= 1) return list.join('');
    return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
  },
  month: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September',
    'October', 'November', 'December'],
  day: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  ordinal: ['', 'first', 'second', 'third', 'fourth', 'fifth'],
};
const ZH = {
  join(list) { return list.join('、'); },
  month: ['1月', '2月', '3月', '4月', '5月', '6月', '7月', '8月', '9月', '10月', '11月', '12月'],
  day: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'],
  ordinal: ['', '第一个', '第二个', '第三个', '第四个', '第五个'],
};

function clock(hh, mm, ss) {
  return ss === null || ss === undefined ? `${pad(hh)}:${pad(mm)}` : `${pad(hh)}:${pad(mm)}:${pad(ss)}`;
}

/** Generic item wording for numeric fields (sec, min, hour, dom). */
function itemsEn(items, unit, units) {
  return EN.join(items.map((i) => {
    switch (i.type) {
      case 'val': return String(i.v);
      case 'range': return `${i.a} through ${i.b}`;
      case 'step': {
        const base = `every ${i.step} ${units}`;
        if (i.from === null) return base;
        if (i.to === null) return `${base} starting at ${unit} ${i.from}`;
        return `${base} from ${i.from} through ${i.to}`;
      }
      default: return '?';
    }
  }));
}

function itemsZh(items, unit) {
  return ZH.join(items.map((i) => {
    switch (i.type) {
      case 'val': return String(i.v);
      case 'range': return `${i.a}至${i.b}`;
      case 'step': {
        if (i.from === null) return `每${i.step}${unit}`;
        if (i.to === null) return `从${i.from}起每${i.step}${unit}`;
        return `第${i.from}至${i.to}${unit === '分钟' ? '分钟' : ''}每${i.step}${unit}`;
      }
      default: return '?';
    }
  }));
}

function simpleStep(f) {
  return f.length === 1 && f[0].type === 'step' && (f[0].from === null || f[0].from === 0) && f[0].to === null
    ? f[0].step : 0;
}

// ---- time of day -------------------------------------------------------------
function timeEn(c) {
  const secIsZero = c.sec === null || (isVal(c.sec) && c.sec[0].v === 0);
  const secVal = c.sec !== null && isVal(c.sec) ? c.sec[0].v : null;
  if ((secIsZero || secVal !== null) && isVal(c.min) && allVals(c.hour) && c.hour.length <= 6) {
    const mm = c.min[0].v;
    const times = c.hour.map((x) => clock(x.v, mm, c.sec === null || secIsZero ? null : secVal));
    return { text: `at ${EN.join(times)}`, exact: true };
  }
  const parts = [];
  if (c.sec !== null && !secIsZero) {
    if (isAny(c.sec)) parts.push('every second');
    else if (simpleStep(c.sec)) parts.push(`every ${simpleStep(c.sec)} seconds`);
    else parts.push(`at second ${itemsEn(c.sec, 'second', 'seconds')}`);
  }
  if (isAny(c.min)) {
    if (secIsZero) parts.push('every minute');
  } else if (simpleStep(c.min)) {
    parts.push(`every ${simpleStep(c.min)} minutes`);
  } else if (isVal(c.min)) {
    parts.push(isAny(c.hour) ? `at minute ${c.min[0].v} of every hour` : `at minute ${c.min[0].v}`);
  } else {
    parts.push(c.min.every((i) => i.type === 'step') ? itemsEn(c.min, 'minute', 'minutes')
      : `at minutes ${itemsEn(c.min, 'minute', 'minutes')}`);
  }
  if (!isAny(c.hour)) {
    if (simpleStep(c.hour)) parts.push(`every ${simpleStep(c.hour)} hours`);
    else if (c.hour.length === 1 && c.hour[0].type === 'range') {
      parts.push(`between ${clock(c.hour[0].a, 0)} and ${clock(c.hour[0].b, 59)}`);
    } else if (isVal(c.hour)) {
      parts.push(`between ${clock(c.hour[0].v, 0)} and ${clock(c.hour[0].v, 59)}`);
    } else {
      parts.push(c.hour.every((i) => i.type === 'step') ? itemsEn(c.hour, 'hour', 'hours')
        : `during hours ${itemsEn(c.hour, 'hour', 'hours')}`);
    }
  }
  return { text: parts.join(', '), exact: false };
}

function timeZh(c) {
  const secIsZero = c.sec === null || (isVal(c.sec) && c.sec[0].v === 0);
  const secVal = c.sec !== null && isVal(c.sec) ? c.sec[0].v : null;
  if ((secIsZero || secVal !== null) && isVal(c.min) && allVals(c.hour) && c.hour.length <= 6) {
    const mm = c.min[0].v;
    const times = c.hour.map((x) => clock(x.v, mm, c.sec === null || secIsZero ? null : secVal));
    return { text: ZH.join(times), exact: true };
  }
  const parts = [];
  if (simpleStep(c.hour) && isVal(c.min) && secIsZero) {
    return { text: `每${simpleStep(c.hour)}小时的第${c.min[0].v}分钟`, exact: false };
  }
  if (!isAny(c.hour)) {
    if (simpleStep(c.hour)) parts.push(`每${simpleStep(c.hour)}小时`);
    else if (c.hour.length === 1 && c.hour[0].type === 'range') {
      parts.push(`${clock(c.hour[0].a, 0)}至${clock(c.hour[0].b, 59)}之间`);
    } else if (isVal(c.hour)) {
      parts.push(`${clock(c.hour[0].v, 0)}至${clock(c.hour[0].v, 59)}之间`);
    } else {
      parts.push(`${itemsZh(c.hour, '小时')}点`);
    }
  }
  if (isAny(c.min)) {
    if (secIsZero) parts.push('每分钟');
  } else if (simpleStep(c.min)) {
    parts.push(`每${simpleStep(c.min)}分钟`);
  } else if (isVal(c.min)) {
    parts.push(isAny(c.hour) ? `每小时的第${c.min[0].v}分钟` : `第${c.min[0].v}分钟`);
  } else {
    parts.push(c.min.every((i) => i.type === 'step') ? itemsZh(c.min, '分钟') : `第${itemsZh(c.min, '分钟')}分钟`);
  }
  if (c.sec !== null && !secIsZero) {
    if (isAny(c.sec)) parts.push('每秒');
    else if (simpleStep(c.sec)) parts.push(`每${simpleStep(c.sec)}秒`);
    else parts.push(`第${itemsZh(c.sec, '秒')}秒`);
  }
  return { text: parts.join('，'), exact: false };
}

// ---- days ----------------------------------------------------------------------
const bdayEn = (n) => (n > 0 ? `the ${n}${n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th'} business day`
  : n === 0 ? 'the last business day' : `${-n} business day${n < -1 ? 's' : ''} before the last business day`);
const bdayZh = (n) => (n > 0 ? `第${n}个工作日` : n === 0 ? '最后一个工作日' : `倒数第${1 - n}个工作日`);

function domEn(f) {
  if (f[0].type === 'bday') return `on ${EN.join(f.map((i) => bdayEn(i.n)))} of the month`;
  if (f.length === 1 && f[0].type === 'last') return 'on the last day of the month';
  if (simpleStep(f)) return `every ${simpleStep(f)} days`;
  const items = f.map((i) => (i.type === 'last' ? 'the last day' : null));
  if (items.some(Boolean) || f.some((i) => i.type === 'step')) {
    return `on day ${EN.join(f.map((i) => (i.type === 'last' ? 'L' : itemsEn([i], 'day', 'days'))))} of the month`;
  }
  if (f.length === 1 && f[0].type === 'range') return `between day ${f[0].a} and ${f[0].b} of the month`;
  return `on day${f.length > 1 ? 's' : ''} ${itemsEn(f, 'day', 'days')} of the month`;
}

function domZh(f, prefix = '每月') {
  if (f[0].type === 'bday') return `${prefix}${ZH.join(f.map((i) => bdayZh(i.n)))}`;
  if (f.length === 1 && f[0].type === 'last') return `${prefix}最后一天`;
  if (simpleStep(f)) return `每${simpleStep(f)}天`;
  return `${prefix}${ZH.join(f.map((i) => {
    if (i.type === 'last') return '最后一天';
    if (i.type === 'val') return `${i.v}日`;
    if (i.type === 'range') return `${i.a}日至${i.b}日`;
    return itemsZh([i], '天');
  }))}`;
}

function dowName(v, L) {
  return L.day[v % 7];
}

function dowEn(f) {
  const words = f.map((i) => {
    if (i.type === 'val') return dowName(i.v, EN);
    if (i.type === 'range') return `${dowName(i.a, EN)} through ${dowName(i.b, EN)}`;
    if (i.type === 'nth') return `the ${EN.ordinal[i.n]} ${dowName(i.v, EN)} of the month`;
    if (i.type === 'step') return `every ${i.step} days of the week`;
    return '?';
  });
  if (f.length === 1 && f[0].type === 'range') return words[0];
  return `on ${EN.join(words)}`;
}

function dowZh(f) {
  const words = f.map((i) => {
    if (i.type === 'val') return dowName(i.v, ZH);
    if (i.type === 'range') return `${dowName(i.a, ZH)}至${dowName(i.b, ZH)}`;
    if (i.type === 'nth') return `每月${ZH.ordinal[i.n]}${dowName(i.v, ZH)}`;
    if (i.type === 'step') return `每周每隔${i.step}天`;
    return '?';
  });
  if (f.length === 1 && (f[0].type === 'val')) return `每${words[0]}`;
  return ZH.join(words);
}

function monEn(f) {
  if (simpleStep(f)) return `every ${simpleStep(f)} months`;
  const words = f.map((i) => {
    if (i.type === 'val') return EN.month[i.v - 1];
    if (i.type === 'range') return `${EN.month[i.a - 1]} through ${EN.month[i.b - 1]}`;
    if (i.type === 'step') return itemsEn([i], 'month', 'months');
    return '?';
  });
  return f.length === 1 && f[0].type === 'range' ? words[0] : `in ${EN.join(words)}`;
}

function monZh(f) {
  if (simpleStep(f)) return `每${simpleStep(f)}个月`;
  return ZH.join(f.map((i) => {
    if (i.type === 'val') return ZH.month[i.v - 1];
    if (i.type === 'range') return `${ZH.month[i.a - 1]}至${ZH.month[i.b - 1]}`;
    if (i.type === 'step') return itemsZh([i], '个月');
    return '?';
  }));
}

export function describeEn(c) {
  const time = timeEn(c);
  const dateParts = [];
  const domR = !isAny(c.dom);
  const dowR = !isAny(c.dow);
  if (domR && dowR) dateParts.push(`${domEn(c.dom)} or ${dowEn(c.dow)}`);
  else if (domR) dateParts.push(domEn(c.dom));
  else if (dowR) dateParts.push(dowEn(c.dow));
  if (!isAny(c.mon)) dateParts.push(monEn(c.mon));
  if (!domR && !dowR && isAny(c.mon) && time.exact) dateParts.push('every day');
  const s = [time.text, ...dateParts].join(', ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function describeZh(c) {
  const time = timeZh(c);
  const dateParts = [];
  const domR = !isAny(c.dom);
  const dowR = !isAny(c.dow);
  if (!isAny(c.mon)) {
    if (domR && !dowR && !simpleStep(c.dom)) {
      dateParts.push(`${monZh(c.mon)}的${domZh(c.dom, '')}`);
    } else {
      dateParts.push(monZh(c.mon));
    }
  }
  if (domR && dowR) dateParts.push(`${domZh(c.dom)}或${dowZh(c.dow)}`);
  else if (domR && isAny(c.mon)) dateParts.push(domZh(c.dom));
  else if (domR && simpleStep(c.dom)) dateParts.push(domZh(c.dom));
  else if (dowR) dateParts.push(dowZh(c.dow));
  if (!domR && !dowR && time.exact) dateParts.push('每天');
  const date = dateParts.join('，');
  if (!date) return time.text;
  return time.exact ? `${date} ${time.text}` : `${date}，${time.text}`;
}
