// The SOP builder's editor (jaga/sop/templates/sop/builder/editor.html), without inline
// scripts (strict CSP). Listeners sit on the document, so rows added later behave the same.
//
// - [data-add-row=TEMPLATE_ID]: appends a copy of <template id=TEMPLATE_ID> to the nearest
//   [data-rows] inside the button's [data-rows-wrap]; "__ID__" becomes a new row id and
//   "__S__" the button's data-parent (the step a branch or field belongs to).
// - [data-remove-row]: removes the closest [data-row]; [data-move=up|down] moves it.
// - select[data-kind]: shows the parts of its step for that kind ([data-kinds="a b"]),
//   and keeps a part that holds a value visible whatever the kind.
// - After each change the rows get their anchors again (step-0, step-1, lane-0 …, which the
//   problem list links to), the lane keys' datalist is refreshed, and the form receives the
//   "builder-changed" event that makes htmx save and check it.
// - [data-goto]: a problem's link scrolls to its row and highlights it.
// - button[data-confirm]: asks before submitting its form.
// - The editor's form is sent as one field, "payload" (a JSON list of [name, value] in
//   document order), both by htmx and by its Save and Publish buttons: Django refuses a
//   request of more than 1,000 fields, and an SOP of 200 steps has some 6,000 inputs.
"use strict";

(function () {
  var counter = 0;

  function form() {
    return document.getElementById("builder-form");
  }

  function newId() {
    counter += 1;
    return "n" + Date.now().toString(36) + counter;
  }

  function hasValue(part) {
    var fields = part.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (field.type === "checkbox") {
        continue;
      }
      if (field.tagName === "SELECT" && !field.multiple) {
        continue;
      }
      if (field.value && field.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function showKind(select) {
    var step = select.closest("[data-row=step]");
    if (!step) {
      return;
    }
    var kind = select.value;
    step.querySelectorAll("[data-kinds]").forEach(function (part) {
      var kinds = part.getAttribute("data-kinds").split(" ");
      part.hidden = kinds.indexOf(kind) < 0 && !hasValue(part);
    });
  }

  function renumber() {
    var root = form();
    if (!root) {
      return;
    }
    root.querySelectorAll("#steps-table > [data-row=step]").forEach(function (row, index) {
      row.id = "step-" + index;
    });
    var keys = [];
    root.querySelectorAll("[data-lanes] > [data-row=lane]").forEach(function (row, index) {
      row.id = "lane-" + index;
      var key = row.querySelector("[data-lane-key]");
      if (key && key.value.trim()) {
        keys.push(key.value.trim());
      }
    });
    var list = document.getElementById("lane-keys");
    if (list) {
      list.replaceChildren.apply(
        list,
        keys.map(function (key) {
          var option = document.createElement("option");
          option.value = key;
          return option;
        })
      );
    }
  }

  function changed() {
    renumber();
    var root = form();
    if (root) {
      root.dispatchEvent(new CustomEvent("builder-changed", { bubbles: true }));
    }
  }

  function addRow(button) {
    var template = document.getElementById(button.getAttribute("data-add-row"));
    var wrap = button.closest("[data-rows-wrap]");
    var target = wrap ? wrap.querySelector("[data-rows]") : null;
    if (!template || !target) {
      return;
    }
    var html = template.innerHTML
      .split("__S__")
      .join(button.getAttribute("data-parent") || "")
      .split("__ID__")
      .join(newId());
    target.insertAdjacentHTML("beforeend", html);
    var added = target.lastElementChild;
    if (added) {
      added.querySelectorAll("select[data-kind]").forEach(showKind);
      var first = added.querySelector("input:not([type=hidden]), textarea");
      if (first) {
        first.focus();
      }
    }
    changed();
  }

  function move(button) {
    var row = button.closest("[data-row]");
    if (!row) {
      return;
    }
    var kind = row.getAttribute("data-row");
    var sibling = button.getAttribute("data-move") === "up" ? row.previousElementSibling : row.nextElementSibling;
    while (sibling && sibling.getAttribute("data-row") !== kind) {
      sibling = button.getAttribute("data-move") === "up" ? sibling.previousElementSibling : sibling.nextElementSibling;
    }
    if (!sibling) {
      return;
    }
    if (button.getAttribute("data-move") === "up") {
      sibling.before(row);
    } else {
      sibling.after(row);
    }
    button.focus();
    changed();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    var button = target.closest("[data-add-row], [data-remove-row], [data-move], [data-goto], [data-confirm]");
    if (!button) {
      return;
    }
    if (button.hasAttribute("data-confirm")) {
      if (!window.confirm(button.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
      return;
    }
    if (button.hasAttribute("data-goto")) {
      var row = document.getElementById(button.getAttribute("data-goto"));
      if (row) {
        event.preventDefault();
        row.scrollIntoView({ behavior: "smooth", block: "center" });
        row.classList.add("builder-highlight");
        window.setTimeout(function () {
          row.classList.remove("builder-highlight");
        }, 2000);
        var field = row.querySelector("input, textarea, select");
        if (field) {
          field.focus({ preventScroll: true });
        }
      }
      return;
    }
    event.preventDefault();
    if (button.hasAttribute("data-add-row")) {
      addRow(button);
    } else if (button.hasAttribute("data-remove-row")) {
      var removed = button.closest("[data-row]");
      if (removed) {
        removed.remove();
        changed();
      }
    } else {
      move(button);
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.matches("select[data-kind]")) {
      showKind(target);
    }
    if (target instanceof HTMLInputElement && target.matches("[data-lane-key]")) {
      renumber();
    }
  });

  function payload(root) {
    var pairs = [];
    new FormData(root).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken") {
        pairs.push([name, value]);
      }
    });
    return JSON.stringify(pairs);
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var root = form();
    if (!root || event.detail.elt !== root) {
      return;
    }
    var data = new FormData();
    data.append("payload", payload(root));
    event.detail.parameters = data;
  });

  document.addEventListener("submit", function (event) {
    var root = form();
    if (!root || event.target !== root || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    var sender = document.createElement("form");
    sender.method = "post";
    sender.action = (event.submitter && event.submitter.formAction) || root.action;
    sender.hidden = true;
    [["csrfmiddlewaretoken", root.querySelector("[name=csrfmiddlewaretoken]").value], ["payload", payload(root)]].forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      sender.appendChild(input);
    });
    document.body.appendChild(sender);
    sender.submit();
  });

  function start() {
    document.querySelectorAll("select[data-kind]").forEach(showKind);
    renumber();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
