/* The call timer of the outcome forms (call queue and person page).
 *
 * Progressive enhancement: without JavaScript the button stays hidden and staff
 * type the minutes. With it, 「タイマー開始」 starts counting, 「タイマー停止」
 * (or sending the form while it runs) fills the minutes field with the elapsed
 * time rounded up to whole minutes (a 20-second call took a minute of someone's
 * time), at most the field's max (the server's limit). Staff may still correct it.
 * Served as a file: the Content Security Policy allows no inline script.
 */
(function () {
  "use strict";

  function setUp(box) {
    var input = box.querySelector("input[name=duration_minutes]");
    var button = box.querySelector("[data-timer-toggle]");
    var shown = box.querySelector("[data-timer-elapsed]");
    if (!input || !button || !shown) {
      return;
    }
    var startLabel = button.textContent;
    var startedAt = null;
    var tick = null;

    function render() {
      var seconds = Math.floor((Date.now() - startedAt) / 1000);
      var rest = seconds % 60;
      shown.textContent = Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
    }

    function start() {
      startedAt = Date.now();
      shown.hidden = false;
      render();
      tick = window.setInterval(render, 1000);
      button.textContent = button.dataset.stopLabel;
      button.setAttribute("aria-pressed", "true");
    }

    function stop() {
      window.clearInterval(tick);
      var minutes = Math.ceil((Date.now() - startedAt) / 60000);
      var most = parseInt(input.max, 10) || minutes;
      input.value = String(Math.min(Math.max(minutes, 1), most));
      startedAt = null;
      button.textContent = startLabel;
      button.setAttribute("aria-pressed", "false");
    }

    button.hidden = false;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (startedAt === null) {
        start();
      } else {
        stop();
      }
    });
    if (input.form) {
      input.form.addEventListener("submit", function () {
        if (startedAt !== null) {
          stop();
        }
      });
    }
  }

  function setUpAll() {
    document.querySelectorAll("[data-call-timer]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
