/* The client's log form and the today page's quick log, made quicker on a phone
   (templates/homework/client/entry_form.html and home.html). Without this file everything shows
   and works: the server decides what the chosen outcome needs (homework/recording.py).

   - A part marked data-show-for="done partly" shows only while one of those outcomes is chosen.
     It is hidden with the `hidden` attribute and stays in the page, so nothing typed is lost
     when the client switches back. A part holding an error message always shows. A part also
     marked data-off-when-hidden has its fieldsets switched off while hidden, so what was chosen
     there is not sent (ratings given before switching to "skipped").
   - data-without-js: words only needed when every part shows at once.
   - Minutes (data-picks): the number box after the quick picks shows for "Other" only, or when it
     holds a number that is not a pick; typing in it chooses "Other".
   - 0-100 ratings (data-slider): the number box becomes a slider with its value in an <output>.
     An untouched slider sits in the middle, which is no answer, so it sends nothing. A box
     holding something a slider cannot show (150, "abc", sent back with its error) stays a box.
*/
(function () {
  "use strict";

  function outcomeOf(form) {
    var checked = form.querySelector('input[name="log-outcome"]:checked');
    return checked ? checked.value : "";
  }

  function showForOutcome(form) {
    var outcome = outcomeOf(form);
    form.querySelectorAll("[data-show-for]").forEach(function (part) {
      var wanted = part.getAttribute("data-show-for").split(" ").indexOf(outcome) !== -1;
      var show = wanted || part.querySelector(".has-error") !== null;
      part.hidden = !show;
      if (part.hasAttribute("data-off-when-hidden")) {
        part.querySelectorAll("fieldset").forEach(function (fieldset) {
          fieldset.disabled = !show;
        });
      }
    });
  }

  function setUpPicks(group) {
    var box = group.nextElementSibling;
    if (!box || !box.hasAttribute("data-pick-other")) {
      return;
    }
    var input = box.querySelector("input");
    var other = group.querySelector('input[value="other"]');
    function update() {
      var chosen = group.querySelector("input:checked");
      box.hidden = !(chosen === other || (chosen === null && input.value !== ""));
    }
    group.addEventListener("change", update);
    input.addEventListener("input", function () {
      if (input.value !== "") {
        other.checked = true;
      }
    });
    update();
  }

  function fitsASlider(input) {
    if (input.value === "") {
      return true;
    }
    var value = Number(input.value);
    return Number.isInteger(value) && value >= Number(input.min) && value <= Number(input.max);
  }

  function setUpSlider(input) {
    if (!fitsASlider(input) || input.getAttribute("aria-invalid") === "true") {
      return;
    }
    var unset = input.value === "";
    var output = document.createElement("output");
    output.className = "slider-value";
    output.setAttribute("for", input.id);
    // The slider itself tells a screen reader its value; the <output> is for the eyes.
    output.setAttribute("aria-hidden", "true");
    input.type = "range";
    input.step = "1";
    input.classList.add("slider");
    if (unset) {
      input.classList.add("is-unset");
      input.setAttribute("aria-valuetext", "Not answered yet");
      output.textContent = "Not set: slide or tap the line";
    } else {
      output.textContent = input.value;
    }
    input.addEventListener("input", function () {
      input.classList.remove("is-unset");
      input.removeAttribute("aria-valuetext");
      output.textContent = input.value;
    });
    input.insertAdjacentElement("afterend", output);
  }

  document.querySelectorAll("form.entry-form").forEach(function (form) {
    form.querySelectorAll("[data-picks]").forEach(setUpPicks);
    form.querySelectorAll("input[data-slider]").forEach(setUpSlider);
    form.addEventListener("formdata", function (event) {
      form.querySelectorAll("input.slider.is-unset").forEach(function (input) {
        event.formData.delete(input.name);
      });
    });
    if (form.hasAttribute("data-log-form")) {
      form.querySelectorAll("[data-without-js]").forEach(function (element) {
        element.hidden = true;
      });
      form.addEventListener("change", function (event) {
        if (event.target.name === "log-outcome") {
          showForOutcome(form);
        }
      });
      showForOutcome(form);
    }
  });
})();
