// Sharing an announcement on a phone (progressive enhancement: without JavaScript the
// address stays in a read-only field to select and copy). Shows "주소 복사" where the
// clipboard can be written, and "공유하기" where the browser has Web Share.
(function () {
  var box = document.getElementById("share-box");
  var field = document.getElementById("share-url");
  if (!box || !field) return;
  var actions = box.querySelector(".share-actions");
  var copy = document.getElementById("share-copy");
  var share = document.getElementById("share-native");
  var status = document.getElementById("share-status");
  var url = field.value;
  function say(text) { if (status) status.textContent = text; }
  function fallbackCopy() {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  copy.addEventListener("click", function () {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(
        function () { say("주소를 복사했습니다."); },
        function () { say(fallbackCopy() ? "주소를 복사했습니다." : "주소를 길게 눌러 복사하세요."); }
      );
    } else {
      say(fallbackCopy() ? "주소를 복사했습니다." : "주소를 길게 눌러 복사하세요.");
    }
  });
  if (navigator.share) {
    share.hidden = false;
    share.addEventListener("click", function () {
      navigator.share({ title: document.title, url: url }).catch(function () {});
    });
  }
  actions.hidden = false;
})();
