// 随手拍: an optional "use my location" button; the form works without it (no script needed).
(function () {
  var button = document.querySelector("[data-locate]");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
        button.textContent = button.getAttribute("data-done");
      },
      function () {
        button.disabled = false;
      },
      { timeout: 10000, maximumAge: 60000 }
    );
  });
})();
