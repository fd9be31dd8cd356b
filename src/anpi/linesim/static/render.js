/* Renders LINE message objects (text, template, Flex) as DOM, like the LINE app.
 * Everything is built with textContent: message text is never parsed as HTML. */
"use strict";

const SimRender = (() => {
  const SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 26, "3xl": 30,
    "4xl": 36, "5xl": 44 };
  const SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function px(value, table) {
    if (value === undefined || value === null) return null;
    if (table && value in table) return table[value] + "px";
    return /^\d+(\.\d+)?(px|%)$/.test(String(value)) ? String(value) : null;
  }

  function safeColor(value) {
    return /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(String(value || "")) ? value : null;
  }

  function actionButton(action, cls, onTap) {
    const button = el("button", cls, action.label || "");
    button.type = "button";
    if (action.type === "uri") button.title = action.uri || "";
    button.addEventListener("click", () => onTap(action));
    return button;
  }

  /* --- Flex ------------------------------------------------------------------------ */
  function applyBoxStyle(node, comp) {
    const s = node.style;
    const margin = px(comp.margin, SPACING);
    if (margin) s.marginTop = margin;
    if (comp.flex !== undefined) s.flex = String(comp.flex);
    const bg = safeColor(comp.backgroundColor);
    if (bg) s.backgroundColor = bg;
    const pads = { paddingAll: "padding", paddingTop: "paddingTop",
      paddingBottom: "paddingBottom", paddingStart: "paddingLeft", paddingEnd: "paddingRight" };
    for (const [key, css] of Object.entries(pads)) {
      const value = px(comp[key], SPACING);
      if (value) s[css] = value;
    }
    const radius = px(comp.cornerRadius, SPACING);
    if (radius) s.borderRadius = radius;
    if (comp.borderWidth && safeColor(comp.borderColor)) {
      s.border = `1px solid ${comp.borderColor}`;
    }
    if (comp.justifyContent) s.justifyContent = comp.justifyContent;
    if (comp.alignItems) s.alignItems = comp.alignItems;
    if (comp.width) s.width = px(comp.width) || "";
    if (comp.height) s.height = px(comp.height) || "";
  }

  function flexText(comp, parentLayout) {
    const node = el("div", "fx-text " + (comp.wrap ? "wrap" : "nowrap"));
    if (Array.isArray(comp.contents) && comp.contents.length) {
      for (const span of comp.contents) {
        const part = el("span", "", span.text || "");
        if (span.weight === "bold") part.style.fontWeight = "700";
        const color = safeColor(span.color);
        if (color) part.style.color = color;
        const size = px(span.size, SIZES);
        if (size) part.style.fontSize = size;
        node.appendChild(part);
      }
    } else {
      node.textContent = comp.text || "";
    }
    node.style.fontSize = px(comp.size, SIZES) || "16px";
    if (comp.weight === "bold") node.style.fontWeight = "700";
    const color = safeColor(comp.color);
    if (color) node.style.color = color;
    if (comp.align) node.style.textAlign = { start: "left", end: "right" }[comp.align] || comp.align;
    if (comp.decoration === "line-through") node.style.textDecoration = "line-through";
    if (comp.decoration === "underline") node.style.textDecoration = "underline";
    const horizontal = parentLayout === "horizontal" || parentLayout === "baseline";
    if (comp.flex !== undefined) node.style.flex = String(comp.flex);
    else if (horizontal) node.style.flex = "1 1 0";
    const margin = px(comp.margin, SPACING);
    if (margin) node.style[horizontal ? "marginLeft" : "marginTop"] = margin;
    return node;
  }

  function flexComponent(comp, onTap, parentLayout) {
    if (!comp || typeof comp !== "object") return el("span");
    let node;
    switch (comp.type) {
      case "box": {
        node = el("div", "fx-box " + (comp.layout || "vertical"));
        const gap = px(comp.spacing, SPACING);
        if (gap) node.style.gap = gap;
        for (const child of comp.contents || []) {
          node.appendChild(flexComponent(child, onTap, comp.layout));
        }
        applyBoxStyle(node, comp);
        if (comp.action) {
          node.style.cursor = "pointer";
          node.addEventListener("click", () => onTap(comp.action));
        }
        break;
      }
      case "text":
        node = flexText(comp, parentLayout);
        break;
      case "button": {
        const style = comp.style || "link";
        node = actionButton(comp.action || {}, `flex-button ${style} ${comp.height || ""}`, onTap);
        const color = safeColor(comp.color);
        if (color && style === "link") node.style.color = color;
        else if (color) node.style.backgroundColor = color;
        const margin = px(comp.margin, SPACING);
        if (margin) node.style.marginTop = margin;
        if (comp.flex !== undefined) node.style.flex = String(comp.flex);
        break;
      }
      case "separator": {
        node = el("hr", "fx-separator");
        const color = safeColor(comp.color);
        if (color) node.style.borderTopColor = color;
        if (parentLayout === "horizontal") {
          node.style.borderTop = "0";
          node.style.borderLeft = `1px solid ${color || "#e0e4ea"}`;
        }
        const margin = px(comp.margin, SPACING);
        if (margin) node.style.margin = parentLayout === "horizontal" ? `0 ${margin}` : `${margin} 0 0`;
        break;
      }
      case "image":
      case "icon": {
        node = el("img", "fx-image");
        node.src = comp.url || "";
        node.alt = "";
        node.loading = "lazy";
        const width = { xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160,
          "3xl": 180, "4xl": 200, "5xl": 240, full: null }[comp.size || "md"];
        if (comp.type === "icon") node.style.width = "18px";
        else if (width) node.style.width = width + "px";
        else node.style.width = "100%";
        if (comp.aspectRatio && /^\d+:\d+$/.test(comp.aspectRatio)) {
          node.style.aspectRatio = comp.aspectRatio.replace(":", " / ");
        }
        if (comp.action) node.addEventListener("click", () => onTap(comp.action));
        break;
      }
      case "filler":
      case "spacer":
        node = el("div");
        node.style.flex = String(comp.flex === undefined ? 1 : comp.flex);
        break;
      default:
        node = el("div", "fx-text", `[${comp.type}]`);
    }
    return node;
  }

  function flexBubble(bubble, onTap) {
    const node = el("div", "fx-bubble " + (bubble.size || ""));
    const styles = bubble.styles || {};
    for (const part of ["header", "hero", "body", "footer"]) {
      if (!bubble[part]) continue;
      const block = el("div", `fx-block fx-${part}`);
      if (part === "hero") block.style.padding = "0";
      const bg = safeColor((styles[part] || {}).backgroundColor);
      if (bg) block.style.backgroundColor = bg;
      block.appendChild(flexComponent(bubble[part], onTap, "vertical"));
      node.appendChild(block);
    }
    return node;
  }

  function flex(contents, onTap) {
    if (contents && contents.type === "carousel") {
      const row = el("div", "carousel");
      for (const bubble of contents.contents || []) row.appendChild(flexBubble(bubble, onTap));
      return row;
    }
    return flexBubble(contents || {}, onTap);
  }

  /* --- templates -------------------------------------------------------------------- */
  function templateCard(tpl, onTap, confirm) {
    const card = el("div", "tpl");
    if (tpl.thumbnailImageUrl) {
      const img = el("img", "fx-image");
      img.src = tpl.thumbnailImageUrl;
      img.alt = "";
      img.style.width = "100%";
      card.appendChild(img);
    }
    if (tpl.title) card.appendChild(el("div", "tpl-title", tpl.title));
    card.appendChild(el("div", "tpl-text", tpl.text || ""));
    const actions = el("div", "tpl-actions" + (confirm ? " confirm" : ""));
    for (const action of tpl.actions || []) actions.appendChild(actionButton(action, "", onTap));
    card.appendChild(actions);
    return card;
  }

  function template(tpl, onTap) {
    if (tpl.type === "carousel") {
      const row = el("div", "carousel");
      for (const column of tpl.columns || []) row.appendChild(templateCard(column, onTap, false));
      return row;
    }
    if (tpl.type === "image_carousel") {
      const row = el("div", "carousel");
      for (const column of tpl.columns || []) {
        const img = el("img", "fx-image");
        img.src = column.imageUrl || "";
        img.alt = (column.action || {}).label || "";
        img.style.width = "160px";
        img.addEventListener("click", () => onTap(column.action || {}));
        row.appendChild(img);
      }
      return row;
    }
    return templateCard(tpl, onTap, tpl.type === "confirm");
  }

  /* --- one message ------------------------------------------------------------------ */
  function body(raw, onTap) {
    switch (raw.type) {
      case "text":
      case "textV2":
        return el("div", "bubble", raw.text);
      case "template":
        return template(raw.template || {}, onTap);
      case "flex":
        return flex(raw.contents, onTap);
      case "sticker":
        return el("div", "bubble sticker", "🙂");
      case "image": {
        const box = el("div", "bubble");
        const img = el("img");
        img.src = raw.previewImageUrl || raw.originalContentUrl || "";
        img.alt = "image";
        box.appendChild(img);
        return box;
      }
      default:
        return el("div", "bubble", `[${raw.type}] ${raw.altText || ""}`);
    }
  }

  return { el, body };
})();
