/* The phone page: play LINE users against the simulator through its control API. */
"use strict";

const I18N = {
  ja: {
    title: "LINE シミュレーター", channel: "公式アカウント", users: "利用者", add: "追加",
    namePlaceholder: "名前（例: 山田花子）", follow: "友だち追加", block: "ブロック",
    unblock: "ブロック解除", groups: "グループ", groupPlaceholder: "グループ名（例: つながりの会）",
    createGroup: "グループを作る", inviteBot: "ボットを招待", removeBot: "ボットを退出させる",
    addMember: "参加", removeMember: "退出", chats: "トーク", typeHere: "メッセージを入力",
    send: "送信", noChannel: "公式アカウントがまだありません（anpi の設定で登録されます）",
    noUser: "まず左で利用者を追加して選んでください", noChat: "左でトークを選んでください",
    notFriend: "友だち追加すると、ここにメッセージが届きます", friend: "友だち",
    blocked: "ブロック中", none: "未追加", members: "人", botIn: "ボット参加中",
    botOut: "ボット未参加", you: "あなた", chatWith: "とのトーク", opened: "リンクを開きました",
    pickDate: "日付・時刻を入力してください", sent: "送りました", lang: "English",
    webhookFailed: "anpi への通知に失敗しました",
  },
  en: {
    title: "LINE simulator", channel: "Official account", users: "Users", add: "Add",
    namePlaceholder: "Name (e.g. Hanako Yamada)", follow: "Add friend", block: "Block",
    unblock: "Unblock", groups: "Groups", groupPlaceholder: "Group name",
    createGroup: "Create group", inviteBot: "Invite bot", removeBot: "Remove bot",
    addMember: "Join", removeMember: "Leave", chats: "Chats", typeHere: "Type a message",
    send: "Send", noChannel: "No official account yet (anpi registers it)",
    noUser: "Add and pick a user on the left first", noChat: "Pick a chat on the left",
    notFriend: "Add the account as a friend to receive messages here", friend: "friend",
    blocked: "blocked", none: "not added", members: " members", botIn: "bot in group",
    botOut: "bot not in group", you: "you", chatWith: "", opened: "Link opened",
    pickDate: "Enter a date/time", sent: "Sent", lang: "日本語",
    webhookFailed: "anpi did not accept the webhook",
  },
};

const state = {
  lang: localStorage.getItem("sim.lang") || "ja",
  me: localStorage.getItem("sim.me") || "",
  channel: localStorage.getItem("sim.channel") || "",
  chat: JSON.parse(localStorage.getItem("sim.chat") || "null"),
  channels: [], users: [], groups: [], messages: [], clockMap: null,
  seen: { side: "", chat: "", menu: "" },
  // Whether the chat keeps its newest message in view (see keepNewestInView).
  followBottom: true,
};
const $ = (id) => document.getElementById(id);
const t = (key) => (I18N[state.lang] || I18N.ja)[key] || key;
const el = SimRender.el;

function save() {
  localStorage.setItem("sim.lang", state.lang);
  localStorage.setItem("sim.me", state.me);
  localStorage.setItem("sim.channel", state.channel);
  localStorage.setItem("sim.chat", JSON.stringify(state.chat));
}

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `HTTP ${response.status}`);
  return data;
}

let toastTimer = 0;
function toast(text, isError) {
  const node = $("toast");
  node.textContent = text;
  node.className = "toast" + (isError ? " error" : "");
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, isError ? 5000 : 2200);
}

async function act(fn) {
  try {
    const result = await fn();
    const hook = result && result.webhook;
    if (hook && hook.status !== 200) toast(`${t("webhookFailed")} (${hook.status || hook.error})`, true);
    await refresh(true);
    return result;
  } catch (err) {
    toast(err.message, true);
    return null;
  }
}

/* --- helpers about the current selection ------------------------------------------- */
const me = () => state.users.find((u) => u.userId === state.me);
const channel = () => state.channels.find((c) => c.botUserId === state.channel) || state.channels[0];
const group = (id) => state.groups.find((g) => g.groupId === id);
const nameOf = (uid) => (state.users.find((u) => u.userId === uid) || {}).displayName || uid;

function friendship(user, ch) {
  return user && ch ? user.friendship[ch.botUserId] || "none" : "none";
}

/* --- side panel ---------------------------------------------------------------------- */
function renderSide() {
  const chSelect = $("channel-select");
  chSelect.replaceChildren(...state.channels.map((c) => {
    const option = el("option", "", `${c.displayName} (${c.plan})`);
    option.value = c.botUserId;
    return option;
  }));
  const ch = channel();
  if (ch) { state.channel = ch.botUserId; chSelect.value = ch.botUserId; }
  $("channel-hint").textContent = ch ? ch.webhookUrl || "webhook URL —" : t("noChannel");

  $("user-list").replaceChildren(...state.users.map((u) => {
    const rel = friendship(u, ch);
    const button = el("button", u.userId === state.me ? "active" : "");
    button.type = "button";
    button.append(el("span", "", u.displayName), el("span", `badge ${rel}`, t(rel)));
    button.addEventListener("click", () => {
      state.me = u.userId;
      state.chat = ch ? { kind: "user", channel: ch.botUserId } : null;
      save();
      renderAll();
    });
    return el("li", "", null).appendChild(button).parentNode;
  }));
  const rel = friendship(me(), ch);
  $("btn-follow").disabled = !me() || !ch || rel === "friend";
  $("btn-block").disabled = rel !== "friend";
  $("btn-unblock").disabled = rel !== "blocked";

  // Nobody is ticked for you (a user just added is not meant to join every
  // group); ticks already made survive the list being redrawn.
  const ticked = new Set([...document.querySelectorAll("#group-members input:checked")]
    .map((b) => b.value));
  $("group-members").replaceChildren(...state.users.map((u) => {
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.value = u.userId;
    box.checked = ticked.has(u.userId);
    label.append(box, el("span", "", u.displayName));
    return label;
  }));

  const chats = [];
  if (me()) {
    for (const c of state.channels) {
      chats.push({ kind: "user", channel: c.botUserId, label: c.displayName,
        badge: t(friendship(me(), c)) });
    }
    for (const g of state.groups.filter((x) => x.members.includes(state.me))) {
      chats.push({ kind: "group", groupId: g.groupId, label: g.groupName,
        badge: `${g.members.length}${t("members")}` });
    }
  }
  $("chat-list").replaceChildren(...chats.map((c) => {
    const active = state.chat && state.chat.kind === c.kind &&
      (c.kind === "group" ? state.chat.groupId === c.groupId : state.chat.channel === c.channel);
    const button = el("button", active ? "active" : "");
    button.type = "button";
    button.append(el("span", "", (c.kind === "group" ? "👥 " : "💬 ") + c.label),
      el("span", "badge", c.badge));
    button.addEventListener("click", () => {
      state.chat = c.kind === "group" ? { kind: "group", groupId: c.groupId }
        : { kind: "user", channel: c.channel };
      save();
      renderAll();
    });
    return el("li", "", null).appendChild(button).parentNode;
  }));

  const g = state.chat && state.chat.kind === "group" ? group(state.chat.groupId) : null;
  $("group-tools").hidden = !g;
  if (g) {
    $("group-title").textContent = `${g.groupName} — ${g.botInGroup ? t("botIn") : t("botOut")}`;
    $("btn-invite").disabled = g.botInGroup;
    $("btn-remove-bot").disabled = !g.botInGroup;
    const select = $("member-select");
    const keep = select.value;
    select.replaceChildren(...state.users.map((u) => {
      const mark = g.members.includes(u.userId) ? "✓ " : "";
      const option = el("option", "", mark + u.displayName);
      option.value = u.userId;
      return option;
    }));
    if (keep) select.value = keep;
  }
}

/* --- time: the phone lives in the simulator's zone, not the browser's ------------------ */
const formatters = new Map();
function formatShown(ms, locale, options) {
  // LINE in Japan shows Japan time; a demo watched from a UTC laptop must too
  // (SimConfig.time_zone, sent by /_sim/clock).
  const timeZone = (state.clockMap && state.clockMap.timeZone) || "Asia/Tokyo";
  const key = JSON.stringify([locale, timeZone, options]);
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(locale, { ...options, timeZone }));
  }
  return formatters.get(key).format(new Date(ms));
}

/* --- chat ---------------------------------------------------------------------------- */
function formatTime(iso) {
  const real = new Date(iso).getTime();
  if (isNaN(real)) return "";
  // Message times on the same clock as the status bar (see tick in wire()).
  const c = state.clockMap;
  const shown = c ? c.shown + (real - c.real) * c.speed : real;
  return formatShown(shown, state.lang, { hour: "2-digit", minute: "2-digit" });
}

/* Like LINE, the chat follows its newest message, unless the person scrolled up
   to read older ones; tapping a button or sending brings it back to the bottom. */
const NEAR_BOTTOM = 80;
let autoScrollTop = -1;
function keepNewestInView() {
  const box = $("messages");
  if (!state.followBottom) return;
  box.scrollTop = box.scrollHeight;
  autoScrollTop = box.scrollTop;
}
function followNewest() {
  state.followBottom = true;
  keepNewestInView();
}
function watchChatScrolling() {
  const box = $("messages");
  box.addEventListener("scroll", () => {
    if (box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM) {
      state.followBottom = true;
    } else if (box.scrollTop !== autoScrollTop) {
      // Only the person's own scrolling stops the following, not the page's
      // (an image that loads after our scroll moves the bottom away).
      state.followBottom = false;
    }
  });
  // The chat gets shorter when the rich menu opens or its image loads, or quick
  // replies show; its content grows when a message's image loads.
  new ResizeObserver(keepNewestInView).observe(box);
  box.addEventListener("load", keepNewestInView, true);
}

async function onTap(entry, action) {
  if (!action || !action.label) return;
  if (action.type === "uri") {
    window.open(action.uri, "_blank", "noopener");
    toast(t("opened"));
    return;
  }
  followNewest();  // the answer to this tap is what the person looks for next
  const body = { label: action.label, messageId: entry.id };
  if (state.chat.kind === "group") body.groupId = state.chat.groupId;
  else body.channel = state.chat.channel;
  if (action.type === "datetimepicker") {
    const value = window.prompt(t("pickDate"), action.initial || "");
    if (value === null) return;
    if (value) body.value = value;
  }
  await act(() => api("POST", `/_sim/users/${state.me}/tap`, body));
}

function renderChat() {
  const box = $("messages");
  const ch = channel();
  const chat = state.chat;
  const g = chat && chat.kind === "group" ? group(chat.groupId) : null;
  const botChannel = chat && chat.kind === "user"
    ? state.channels.find((c) => c.botUserId === chat.channel) : ch;
  if (g) {
    $("chat-title").textContent = g.groupName;
    $("chat-sub").textContent = `${g.members.length}${t("members")} · ${g.botInGroup ? t("botIn") : t("botOut")}`;
  } else {
    $("chat-title").textContent = botChannel ? botChannel.displayName : "—";
    $("chat-sub").textContent = me() ? `${me().displayName} ${t("chatWith")}`.trim() : "";
  }
  const quick = $("quick");
  quick.replaceChildren();
  if (!me() || !chat) {
    box.replaceChildren(el("div", "empty", !state.channels.length ? t("noChannel")
      : !me() ? t("noUser") : t("noChat")));
    return;
  }
  if (!state.messages.length && !g && friendship(me(), botChannel) !== "friend") {
    box.replaceChildren(el("div", "empty", t("notFriend")));
    return;
  }
  const avatarText = (botChannel ? botChannel.displayName : "bot").slice(0, 2);
  box.replaceChildren(...state.messages.map((m) => {
    const mine = m.from === "user" && m.userId === state.me;
    const row = el("div", "msg" + (mine ? " me" : ""));
    const col = el("div", "msg-col");
    if (!mine) {
      row.appendChild(el("div", "avatar", m.from === "bot" ? avatarText : nameOf(m.userId).slice(0, 1)));
      col.appendChild(el("div", "sender", m.from === "bot" ? (botChannel || {}).displayName : m.displayName));
    }
    col.appendChild(SimRender.body(m.raw || { type: "text", text: m.text }, (a) => onTap(m, a)));
    col.appendChild(el("div", "time", formatTime(m.sentAt)));
    row.appendChild(col);
    return row;
  }));
  const last = state.messages[state.messages.length - 1];
  if (last && last.from === "bot" && last.raw && last.raw.quickReply) {
    for (const item of last.raw.quickReply.items || []) {
      const action = item.action || {};
      const chip = el("button", "", action.label || "");
      chip.type = "button";
      chip.addEventListener("click", () => onTap(last, action));
      quick.appendChild(chip);
    }
  }
  if (state.justSwitched) state.followBottom = true;
  state.justSwitched = false;
  keepNewestInView();
}

/* --- rich menu: the menu LINE shows this user under the 1:1 chat -------------------- */
function renderRichMenu(info) {
  const box = $("richmenu");
  const menu = info && info.richMenu;
  if (!menu || !info.imageUrl) { box.hidden = true; return; }
  box.hidden = false;
  if (state.richMenuOpen === undefined) state.richMenuOpen = menu.selected;
  $("richmenu-menu").hidden = !state.richMenuOpen;
  $("richmenu-bar").textContent = `${menu.chatBarText} ${state.richMenuOpen ? "▼" : "▲"}`;
  const img = $("richmenu-img");
  if (img.getAttribute("src") !== info.imageUrl) img.src = info.imageUrl;
  img.alt = menu.name;
  const pct = (v, total) => `${(100 * v) / total}%`;
  $("richmenu-areas").replaceChildren(...menu.areas.map((area, index) => {
    const b = area.bounds;
    const button = el("button", "");
    button.type = "button";
    button.dataset.area = String(index);
    button.setAttribute("aria-label", area.action.label || area.action.displayText ||
      area.action.text || `area ${index + 1}`);
    Object.assign(button.style, { left: pct(b.x, menu.size.width), top: pct(b.y, menu.size.height),
      width: pct(b.width, menu.size.width), height: pct(b.height, menu.size.height) });
    button.addEventListener("click", () => {
      followNewest();
      act(() => api("POST", `/_sim/users/${state.me}/richmenu/tap`,
        { area: index, channel: state.chat.channel }));
    });
    return button;
  }));
}

function renderAll() {
  state.seen.chat = "";
  state.justSwitched = true;
  renderSide();
  refresh(true);
}

/* --- polling --------------------------------------------------------------------------- */
let busy = false;
async function refresh(force) {
  if (busy && !force) return;
  busy = true;
  try {
    const [channels, users, groups] = await Promise.all([
      api("GET", "/_sim/channels"), api("GET", "/_sim/users"), api("GET", "/_sim/groups")]);
    Object.assign(state, { channels, users, groups });
    if (state.me && !me()) { state.me = ""; state.chat = null; }
    const side = JSON.stringify([channels, users, groups, state.me, state.chat, state.lang]);
    if (side !== state.seen.side) { state.seen.side = side; renderSide(); }
    let messages = [];
    const chat = state.chat;
    if (me() && chat && chat.kind === "group" && group(chat.groupId)) {
      messages = await api("GET", `/_sim/groups/${chat.groupId}/messages?all=1`);
    } else if (me() && chat && chat.kind === "user") {
      messages = await api("GET", `/_sim/users/${state.me}/messages?all=1&channel=${chat.channel}`);
    }
    const menu = me() && chat && chat.kind === "user" &&
      friendship(me(), state.channels.find((c) => c.botUserId === chat.channel)) === "friend"
      ? await api("GET", `/_sim/users/${state.me}/richmenu?channel=${chat.channel}`) : null;
    const menuSeen = JSON.stringify([menu, state.richMenuOpen]);
    if (menuSeen !== state.seen.menu) { state.seen.menu = menuSeen; renderRichMenu(menu); }
    state.messages = messages;
    const seen = JSON.stringify([messages, side]);
    if (seen !== state.seen.chat) { state.seen.chat = seen; renderChat(); }
  } catch (err) {
    console.warn(err);
  } finally {
    busy = false;
  }
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  $("lang").textContent = t("lang");
  document.title = `${t("title")} — anpi`;
}

/* --- wiring ---------------------------------------------------------------------------- */
function friendAction(kind) {
  return () => act(() => api("POST", `/_sim/users/${state.me}/${kind}`, { channel: state.channel }));
}

function wire() {
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "ja" ? "en" : "ja";
    save();
    applyLanguage();
    renderAll();
  });
  $("channel-select").addEventListener("change", (e) => {
    state.channel = e.target.value;
    if (state.chat && state.chat.kind === "user") state.chat.channel = state.channel;
    save();
    renderAll();
  });
  $("user-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("user-name").value.trim();
    if (!name) return;
    const user = await act(() => api("POST", "/_sim/users", { displayName: name }));
    if (user) {
      $("user-name").value = "";
      state.me = user.userId;
      const ch = channel();
      state.chat = ch ? { kind: "user", channel: ch.botUserId } : null;
      save();
      renderAll();
    }
  });
  $("richmenu-bar").addEventListener("click", () => {
    state.richMenuOpen = !state.richMenuOpen;
    refresh(true);
  });
  $("btn-follow").addEventListener("click", friendAction("follow"));
  $("btn-block").addEventListener("click", friendAction("block"));
  $("btn-unblock").addEventListener("click", friendAction("unblock"));
  $("group-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const members = [...document.querySelectorAll("#group-members input:checked")].map((b) => b.value);
    const created = await act(() => api("POST", "/_sim/groups", {
      groupName: $("group-name").value.trim(), members, channel: state.channel }));
    if (created) {
      $("group-name").value = "";
      for (const box of document.querySelectorAll("#group-members input")) box.checked = false;
      if (members.includes(state.me)) state.chat = { kind: "group", groupId: created.groupId };
      save();
      renderAll();
    }
  });
  const currentGroup = () => state.chat && state.chat.groupId;
  $("btn-invite").addEventListener("click", () =>
    act(() => api("POST", `/_sim/groups/${currentGroup()}/invite-bot`, {})));
  $("btn-remove-bot").addEventListener("click", () =>
    act(() => api("POST", `/_sim/groups/${currentGroup()}/remove-bot`, {})));
  $("btn-add-member").addEventListener("click", () =>
    act(() => api("POST", `/_sim/groups/${currentGroup()}/members`,
      { userIds: [$("member-select").value] })));
  $("btn-remove-member").addEventListener("click", () =>
    act(() => api("DELETE", `/_sim/groups/${currentGroup()}/members/${$("member-select").value}`)));
  $("composer").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("composer-text").value;
    if (!text.trim() || !state.chat || !state.me) return;
    const body = { text };
    if (state.chat.kind === "group") body.groupId = state.chat.groupId;
    else body.channel = state.chat.channel;
    followNewest();
    const ok = await act(() => api("POST", `/_sim/users/${state.me}/text`, body));
    if (ok) $("composer-text").value = "";
  });
  // The status bar shows the time anpi lives in (a demo's fast clock), not the
  // computer's: the simulator says how its time maps to the shown one.
  const tick = async () => {
    try {
      const c = await api("GET", "/_sim/clock");
      // Message times drawn before the clock was known: draw them again.
      if (!state.clockMap) state.seen.chat = "";
      state.clockMap = c;
      // The date too: in a fast demo the days go by in minutes.
      $("clock").textContent = formatShown(c.shown, "ja",
        { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
      $("clock").dataset.shown = String(c.shown);
    } catch (err) { /* the next tick tries again */ }
  };
  tick();
  setInterval(tick, 2000);
}

applyLanguage();
wire();
watchChatScrolling();
refresh(true);
setInterval(() => refresh(false), 1000);
