// The candidate's recording page (issue 17): /c/{token}. Vanilla ES2020, no build step, same-origin API only.
// Every user-visible string is in MESSAGES below (zh first, en too); the API contract is
// docs: /v1/candidate/* (sessions, interview, consent, answers/{id}/takes|upload|text, review-request).
"use strict";

(() => {
  // ---- messages ---------------------------------------------------------------------------------------------

  const MESSAGES = {
    zh: {
      "doc.title": "即评 · 视频面试",
      brand: "即评",
      "lang.toggle": "English",
      "lang.toggleLabel": "Switch to English",
      loading: "正在加载…",
      "loading.title": "正在加载",

      "browser.title": "请用系统浏览器打开",
      "browser.body": "当前浏览器（例如旧版微信内置浏览器）无法录音或录像。建议点右上角「···」，选择「在浏览器中打开」，用手机自带的浏览器完成面试。",
      "browser.note": "注意：邀请链接只能在一个浏览器中使用。在这里继续后，就不能再换到其他浏览器；需要录音作答的问题将无法完成。",
      "browser.continue": "仍在这里继续",

      "welcome.kicker": "欢迎参加面试",
      "welcome.practice": "模拟面试",
      "welcome.format": "形式",
      "welcome.formatValue": (a) => `${a.n} 个问题，每题最长 ${dur(a.s, "zh")}`,
      "welcome.deadline": "截止时间",
      "welcome.deadlineValue": (a) => fmtDate(a.iso, "zh"),
      "welcome.status": "状态",
      "welcome.tips": "开始前",
      "welcome.tip1": "找一个安静、光线充足的地方，保持网络畅通。",
      "welcome.tip2": "每题可以先思考，再开始作答；录制时会显示倒计时，时间到自动停止。",
      "welcome.tip3": "提交前可以回看，并在次数内重新录制。",
      "welcome.start": "开始",
      "welcome.continue": "继续面试",

      "stage.invited": "已预约",
      "stage.in_progress": "面试中",
      "stage.completed": "已完成",

      "consent.title": "知情同意",
      "consent.intro": "开始前，请确认我们可以如何处理你的回答。以下两项分别选择。",
      "consent.audio": "语音转写与分析",
      "consent.audioBody": "我同意录制我的语音回答，将其转写为文字，并分析回答的内容与表达，用于本次面试的评估。",
      "consent.video": "视频画面分析（可选）",
      "consent.videoBody": "我同意录制视频，并分析视频画面（例如是否看向镜头）。这一项是可选的：不同意也可以只用语音或文字完成面试。",
      "consent.videoNeedsAudio": "视频画面分析需要先同意语音转写与分析（视频中包含你的声音）。",
      "consent.noneText": "如果两项都不同意，你将用文字回答所有问题。",
      "consent.noneBlocked": "本次面试有需要语音作答的问题，请先同意语音转写与分析。",
      "consent.version": (a) => `同意书版本：${a.v}`,
      "consent.submit": "同意并开始",

      "q.counter": (a) => `第 ${a.i}/${a.n} 题`,
      "q.maxTime": (a) => `作答时间最长 ${dur(a.s, "zh")}`,
      "q.thinking": "思考时间",
      "q.thinkingHint": "可以先想一想，准备好了就开始作答。",
      "q.start": "开始作答",
      "q.preparingVideo": "正在打开摄像头和麦克风…",
      "q.preparingAudio": "正在打开麦克风…",
      "q.readyAudio": "麦克风已就绪，只录音，不录像。",
      "q.takesLeft": (a) => `可录制 ${a.n} 次`,
      "q.record": "开始录制",
      "q.stop": "停止录制",
      "q.recording": "录制中",
      "q.remaining": (a) => `剩余 ${clock(a.s)}`,
      "q.review": "回看你的回答",
      "q.duration": (a) => `时长 ${clock(a.s)}`,
      "q.rerecord": (a) => `重新录制（还剩 ${a.n} 次）`,
      "q.rerecordNone": "没有重录次数了",
      "q.submit": "提交",
      "q.uploading": "正在上传",
      "q.uploadPercent": (a) => `已上传 ${a.p}%`,
      "q.uploadRetrying": (a) => `网络不稳定，${a.s} 秒后重试（第 ${a.n} 次）…`,
      "q.uploadKeepOpen": "请不要关闭或刷新本页。",
      "q.uploadFailed": "上传失败",
      "q.uploadFailedBody": "多次尝试后仍未上传成功。请检查网络后重试，你的录制还保留在本页，请不要关闭或刷新页面。",
      "q.uploadRetry": "重试上传",
      "q.useText": "改用文字作答",
      "q.useRecording": "改用录制作答",
      "q.textLabel": "你的回答",
      "q.textPlaceholder": "在这里输入你的回答…",
      "q.textCount": (a) => `${a.n} 字`,
      "q.submitText": "提交回答",
      "q.textNoConsent": "你没有同意录音，请用文字作答。",
      "q.textUnsupported": "此浏览器无法录制，请用文字作答。",
      "q.blockedUnsupported":
        "这道题需要录音作答，但当前浏览器无法录制。请联系 HR 获取新链接，并用手机自带的浏览器（如 Safari、Chrome）打开。",
      "q.blockedNoConsent": "这道题需要录音作答，但你没有同意语音转写与分析。如需调整，请联系 HR。",
      "q.noTakesLeft": "这道题的录制次数已用完。",
      "q.permVideoTitle": "无法使用摄像头",
      "q.permVideoBody": "没有获得摄像头或麦克风的权限。你可以只录音作答（不录像）；也可以在浏览器设置中允许后重试。",
      "q.permAudioTitle": "无法使用麦克风",
      "q.permAudioBody": "没有获得麦克风的权限。请在浏览器设置中允许使用麦克风后重试。",
      "q.permAudioText": "这道题也可以用文字作答。",
      "q.deviceTitle": "找不到摄像头或麦克风",
      "q.deviceBody": "请确认设备没有被其他应用占用，然后重试。",
      "q.audioOnly": "只录音作答",
      "q.retryDevice": "重试",


      "done.title": "已完成",
      "done.thanks": "感谢你完成面试，你的回答都已提交。",
      "done.status": "状态",
      "done.pending": "正在评估你的回答，通常需要几分钟。本页会自动更新。",
      "done.pendingStopped": "评估还在进行中，请稍后刷新本页查看。",
      "done.scored": "评估已完成。",
      "done.rejected": "你的面试已处理完毕，HR 会与你联系。",
      "done.failed": "评估暂时没有完成，HR 会跟进处理。",
      "done.feedback": "给你的反馈",
      "done.feedbackNote": "以下反馈只针对你的回答。",
      "done.strength": "优势",
      "done.development": "可提升",
      "done.overall": "综合得分",
      "review.title": "申请人工复核",
      "review.body": "如果你认为评估有误，可以请 HR 进行人工复核。请简单说明原因。",
      "review.label": "原因",
      "review.placeholder": "例如：第 2 题的录音有杂音，转写可能不准确。",
      "review.submit": "提交复核申请",
      "review.requested": "已提交人工复核申请，HR 会跟进。",

      "LINK_INVALID.title": "链接无效",
      "LINK_INVALID.body": "这个链接无法识别。请从邀请消息中直接点开完整的链接，或联系 HR。",
      "LINK_EXPIRED.title": "链接已过期",
      "LINK_EXPIRED.body": "这个邀请链接已经过了有效期。请联系 HR 获取新链接。",
      "LINK_USED.title": "链接已使用",
      "LINK_USED.body":
        "这个链接已经在其他地方打开过，每个链接只能在一个浏览器中使用。请回到你开始面试的手机和页面继续，或联系 HR 获取新链接。",
      "SESSION_EXPIRED.title": "会话已过期",
      "SESSION_EXPIRED.body": "为了保护你的信息，面试页面在一段时间后会失效。请联系 HR 获取新链接。",
      "SESSION_INVALID.title": "会话无效",
      "SESSION_INVALID.body": "无法确认你的面试会话。请联系 HR 获取新链接。",
      "DEADLINE_PASSED.title": "截止时间已过",
      "DEADLINE_PASSED.body": "这场面试的截止时间已过，无法再提交回答。如有疑问，请联系 HR。",
      "NETWORK.title": "网络连接失败",
      "NETWORK.body": "暂时无法连接到服务器。请检查网络后重试。",
      "GENERIC.title": "出了点问题",
      "GENERIC.body": "页面暂时无法加载。请稍后重试；如果问题持续，请联系 HR。",
      "error.retry": "重试",

      "code.NETWORK": "网络连接失败，请检查网络后重试。",
      "code.RERECORD_LIMIT": "没有重录次数了，将保留你当前的录制。",
      "code.ANSWER_EXISTS": "这道题已经提交过了。",
      "code.CONSENT_REQUIRED": "需要先同意语音转写与分析才能录制。",
      "code.NO_TAKE": "录制没有正确开始，请重新录制。",
      "code.RECORDING_EMPTY": "没有录到内容，请重新录制。",
      "code.TOO_LONG": "录制超过了时间上限，请重新录制。",
      "code.TOO_LARGE": "录制文件太大，请重新录制一段更短的回答。",
      "code.UNSUPPORTED_TYPE": "当前浏览器录制的格式不受支持，请改用文字作答或换一个浏览器。",
      "code.VIDEO_NOT_CONSENTED": "你没有同意视频画面分析，无法上传视频。",
      "code.TEXT_NOT_ALLOWED": "这道题不能用文字作答。",
      "code.TEXT_TOO_SHORT": "回答太短，请再多写一些。",
      "code.TEXT_TOO_LONG": "回答太长，请精简一些。",
      "code.NOT_SCORED": "评估完成后才能申请复核。",
      "code.RATE_LIMITED": "操作太频繁，请稍后再试。",
      "code.other": (a) => (a.text ? `出错了：${a.text}` : "出错了，请稍后重试。"),
    },

    en: {
      "doc.title": "Jiping · Video interview",
      brand: "Jiping",
      "lang.toggle": "中文",
      "lang.toggleLabel": "切换到中文",
      loading: "Loading…",
      "loading.title": "Loading",

      "browser.title": "Please open this link in your browser",
      "browser.body":
        "This browser (for example an older WeChat in-app browser) cannot record audio or video. Tap “···” at the top right and choose “Open in browser” to take the interview in your phone’s own browser.",
      "browser.note":
        "Note: the invitation link works in one browser only. If you continue here you cannot switch browsers later, and questions that need a recording cannot be answered.",
      "browser.continue": "Continue here anyway",

      "welcome.kicker": "Welcome to your interview",
      "welcome.practice": "Practice",
      "welcome.format": "Format",
      "welcome.formatValue": (a) =>
        `${a.n} ${a.n === 1 ? "question" : "questions"}, up to ${dur(a.s, "en")} each`,
      "welcome.deadline": "Deadline",
      "welcome.deadlineValue": (a) => fmtDate(a.iso, "en"),
      "welcome.status": "Status",
      "welcome.tips": "Before you start",
      "welcome.tip1": "Find a quiet, well-lit place with a steady connection.",
      "welcome.tip2": "You can think before answering; a countdown shows while you record and stops it when time is up.",
      "welcome.tip3": "You can watch your answer before submitting it and re-record within the limit.",
      "welcome.start": "Start",
      "welcome.continue": "Continue",

      "stage.invited": "Invited",
      "stage.in_progress": "In progress",
      "stage.completed": "Completed",

      "consent.title": "Your consent",
      "consent.intro": "Before you start, please tell us how we may use your answers. The two choices are separate.",
      "consent.audio": "Speech transcription and analysis",
      "consent.audioBody":
        "I agree that my spoken answers are recorded, transcribed to text and analysed for content and delivery, for this interview's evaluation.",
      "consent.video": "Video analysis (optional)",
      "consent.videoBody":
        "I agree that video is recorded and the picture is analysed (for example whether I look at the camera). This is optional: without it you can still answer by voice or in writing.",
      "consent.videoNeedsAudio": "Video analysis needs speech analysis first (a video contains your voice).",
      "consent.noneText": "Without either, you will answer every question in writing.",
      "consent.noneBlocked": "Some questions in this interview need a spoken answer: please agree to speech analysis.",
      "consent.version": (a) => `Consent version: ${a.v}`,
      "consent.submit": "Agree and start",

      "q.counter": (a) => `Question ${a.i} of ${a.n}`,
      "q.maxTime": (a) => `Answer in up to ${dur(a.s, "en")}`,
      "q.thinking": "Time to think",
      "q.thinkingHint": "Take a moment to prepare, then start when you are ready.",
      "q.start": "Start answering",
      "q.preparingVideo": "Starting the camera and microphone…",
      "q.preparingAudio": "Starting the microphone…",
      "q.readyAudio": "The microphone is ready: audio only, no video.",
      "q.takesLeft": (a) => `${a.n} ${a.n === 1 ? "take" : "takes"} available`,
      "q.record": "Start recording",
      "q.stop": "Stop recording",
      "q.recording": "Recording",
      "q.remaining": (a) => `${clock(a.s)} left`,
      "q.review": "Watch your answer",
      "q.duration": (a) => `Length ${clock(a.s)}`,
      "q.rerecord": (a) => `Record again (${a.n} left)`,
      "q.rerecordNone": "No takes left",
      "q.submit": "Submit",
      "q.uploading": "Uploading",
      "q.uploadPercent": (a) => `${a.p}% uploaded`,
      "q.uploadRetrying": (a) => `The connection is unsteady: trying again in ${a.s} s (retry ${a.n})…`,
      "q.uploadKeepOpen": "Please keep this page open.",
      "q.uploadFailed": "Upload failed",
      "q.uploadFailedBody":
        "Your answer could not be uploaded after several tries. Check your connection and try again: your recording is kept on this page, so please do not close or reload it.",
      "q.uploadRetry": "Try the upload again",
      "q.useText": "Answer in writing instead",
      "q.useRecording": "Record instead",
      "q.textLabel": "Your answer",
      "q.textPlaceholder": "Type your answer here…",
      "q.textCount": (a) => `${a.n} ${a.n === 1 ? "character" : "characters"}`,
      "q.submitText": "Submit answer",
      "q.textNoConsent": "You chose not to be recorded: please answer in writing.",
      "q.textUnsupported": "This browser cannot record: please answer in writing.",
      "q.blockedUnsupported":
        "This question needs a recorded answer, but this browser cannot record. Please ask HR for a new link and open it in your phone's own browser (Safari, Chrome).",
      "q.blockedNoConsent":
        "This question needs a recorded answer, but you did not agree to speech analysis. Please contact HR if you want to change that.",
      "q.noTakesLeft": "All takes for this question are used.",
      "q.permVideoTitle": "The camera is not available",
      "q.permVideoBody":
        "The page may not use the camera or microphone. You can answer with audio only (no video), or allow access in your browser settings and try again.",
      "q.permAudioTitle": "The microphone is not available",
      "q.permAudioBody": "The page may not use the microphone. Please allow it in your browser settings and try again.",
      "q.permAudioText": "You can also answer this question in writing.",
      "q.deviceTitle": "No camera or microphone found",
      "q.deviceBody": "Make sure no other app is using them, then try again.",
      "q.audioOnly": "Answer with audio only",
      "q.retryDevice": "Try again",


      "done.title": "All done",
      "done.thanks": "Thank you for completing the interview: all your answers are submitted.",
      "done.status": "Status",
      "done.pending": "Your answers are being evaluated; this usually takes a few minutes. This page updates by itself.",
      "done.pendingStopped": "The evaluation is still running: please reload this page later.",
      "done.scored": "The evaluation is complete.",
      "done.rejected": "Your interview has been processed; HR will contact you.",
      "done.failed": "The evaluation could not be completed yet; HR will follow up.",
      "done.feedback": "Your feedback",
      "done.feedbackNote": "This feedback is about your answers only.",
      "done.strength": "Strength",
      "done.development": "To develop",
      "done.overall": "Overall score",
      "review.title": "Ask for a human review",
      "review.body": "If you think the evaluation is wrong, you can ask HR to review it. Please say briefly why.",
      "review.label": "Reason",
      "review.placeholder": "For example: question 2 has background noise, the transcript may be wrong.",
      "review.submit": "Request a review",
      "review.requested": "Your review request is submitted; HR will follow up.",

      "LINK_INVALID.title": "This link is not valid",
      "LINK_INVALID.body":
        "We do not recognise this link. Please open the full link straight from your invitation, or contact HR.",
      "LINK_EXPIRED.title": "This link has expired",
      "LINK_EXPIRED.body": "This invitation link is past its validity. Please ask HR for a new link.",
      "LINK_USED.title": "This link has been used",
      "LINK_USED.body":
        "This link was already opened elsewhere; each link works in one browser only. Please go back to the phone and page where you started, or ask HR for a new link.",
      "SESSION_EXPIRED.title": "Your session has expired",
      "SESSION_EXPIRED.body": "To protect your data, the interview page stops working after a while. Please ask HR for a new link.",
      "SESSION_INVALID.title": "Your session is not valid",
      "SESSION_INVALID.body": "We could not confirm your interview session. Please ask HR for a new link.",
      "DEADLINE_PASSED.title": "The deadline has passed",
      "DEADLINE_PASSED.body":
        "The deadline for this interview has passed, so answers can no longer be submitted. Please contact HR with any questions.",
      "NETWORK.title": "No connection",
      "NETWORK.body": "We cannot reach the server right now. Please check your connection and try again.",
      "GENERIC.title": "Something went wrong",
      "GENERIC.body": "The page could not be loaded. Please try again later; if it keeps happening, contact HR.",
      "error.retry": "Try again",

      "code.NETWORK": "No connection: please check your network and try again.",
      "code.RERECORD_LIMIT": "No takes left: your current recording is kept.",
      "code.ANSWER_EXISTS": "This question has already been answered.",
      "code.CONSENT_REQUIRED": "Recording needs your consent to speech analysis.",
      "code.NO_TAKE": "The recording did not start properly: please record again.",
      "code.RECORDING_EMPTY": "Nothing was recorded: please record again.",
      "code.TOO_LONG": "The recording is longer than allowed: please record again.",
      "code.TOO_LARGE": "The recording is too large: please record a shorter answer.",
      "code.UNSUPPORTED_TYPE":
        "This browser records in a format we cannot accept: please answer in writing or use another browser.",
      "code.VIDEO_NOT_CONSENTED": "You did not agree to video analysis, so video cannot be uploaded.",
      "code.TEXT_NOT_ALLOWED": "This question cannot be answered in writing.",
      "code.TEXT_TOO_SHORT": (a) => a.text || "Your answer is too short: please write a little more.",
      "code.TEXT_TOO_LONG": (a) => a.text || "Your answer is too long: please shorten it.",
      "code.NOT_SCORED": "A review can be requested once the evaluation is complete.",
      "code.RATE_LIMITED": "Too many requests: please wait a moment and try again.",
      "code.other": (a) => (a.text ? `Something went wrong: ${a.text}` : "Something went wrong: please try again."),
    },
  };

  const ERROR_PAGES = [
    "LINK_INVALID",
    "LINK_EXPIRED",
    "LINK_USED",
    "SESSION_EXPIRED",
    "SESSION_INVALID",
    "DEADLINE_PASSED",
    "NETWORK",
  ];
  const FATAL_CODES = ["SESSION_EXPIRED", "SESSION_INVALID", "DEADLINE_PASSED"];
  const BACKOFF_S = [1, 2, 4];
  const UPLOAD_ATTEMPTS = 3;
  const POLL_MS = 5000;
  const POLL_FOR_MS = 10 * 60 * 1000;
  const STORE_KEY = "jiping.candidate.sessions";
  const VIDEO_TYPES = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
  const AUDIO_TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4"];

  function dur(seconds, lang) {
    const s = Math.round(seconds);
    const m = Math.floor(s / 60);
    const r = s % 60;
    if (lang === "zh") {
      if (m === 0) return `${r} 秒`;
      return r === 0 ? `${m} 分钟` : `${m} 分 ${r} 秒`;
    }
    if (m === 0) return `${r} seconds`;
    if (r === 0) return m === 1 ? "1 minute" : `${m} minutes`;
    return `${m} min ${r} s`;
  }

  function clock(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  }

  // The deadline in the browser's time zone: "2026年12月10日 周四 23:59 (GMT+8)", "Thu, 10 December 2026, 23:59 (GMT+8)".
  function fmtDate(iso, lang) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const locale = lang === "zh" ? "zh-CN" : "en-GB";
    const day = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", day: "numeric" }).format(d);
    const weekday = new Intl.DateTimeFormat(locale, { weekday: "short" }).format(d);
    const time = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d);
    const zone = new Intl.DateTimeFormat(locale, { timeZoneName: "short" })
      .formatToParts(d)
      .find((part) => part.type === "timeZoneName");
    const suffix = zone ? ` (${zone.value})` : "";
    return lang === "zh" ? `${day} ${weekday} ${time}${suffix}` : `${weekday}, ${day}, ${time}${suffix}`;
  }

  // ---- state ------------------------------------------------------------------------------------------------

  const state = {
    lang: "zh",
    langForced: false,
    token: null,
    session: null,
    view: null,
    useVideo: false, // the consent allows video and the camera was not refused
    stream: null,
    streamKind: null, // "video" | "audio"
    textChosen: {}, // question_id -> the candidate switched to a written answer
    take: null, // the current question's recording: {blob, url, seconds, type, kind}
    phaseId: 0, // bumped on every screen/phase change: late callbacks of an old phase do nothing
    timers: [],
    meter: null,
  };

  // ---- i18n and DOM helpers ---------------------------------------------------------------------------------

  function has(key) {
    return Object.prototype.hasOwnProperty.call(MESSAGES[state.lang], key);
  }

  function t(key, args) {
    const table = has(key) ? MESSAGES[state.lang] : MESSAGES.zh;
    const m = table[key];
    if (m === undefined) return key;
    return typeof m === "function" ? m(args || {}) : m;
  }

  // Sets a translated text that follows the language toggle.
  function tx(el, key, args) {
    el.dataset.i18n = key;
    if (args) el.dataset.i18nArgs = JSON.stringify(args);
    else delete el.dataset.i18nArgs;
    el.textContent = t(key, args);
    return el;
  }

  function retranslate() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("doc.title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
      el.textContent = t(el.dataset.i18n, args);
    }
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      el.setAttribute("aria-label", t(el.dataset.i18nLabel));
    }
  }

  // h("button", {id, class, i18n: "key" | ["key", args], text, on: {click}}, ...children)
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "i18n") {
        if (Array.isArray(v)) tx(el, v[0], v[1]);
        else tx(el, v);
      } else if (k === "text") el.textContent = v;
      else if (k === "class") el.className = v;
      else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
      else if (k === "placeholder") {
        el.dataset.i18nPlaceholder = v;
        el.placeholder = t(v);
      } else if (k === "dataset") Object.assign(el.dataset, v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    for (const c of children) if (c) el.append(c);
    return el;
  }

  function button(id, key, onClick, kind = "primary", args) {
    return h("button", { type: "button", id, class: `btn ${kind}`, i18n: [key, args], on: { click: onClick } });
  }

  function clearTimers() {
    for (const id of state.timers) clearInterval(id);
    state.timers = [];
  }

  function every(ms, fn) {
    const id = setInterval(fn, ms);
    state.timers.push(id);
    return id;
  }

  // Replaces the current screen. content: [nodes]; actions: [buttons] (sticky at the bottom).
  function screen(name, { content = [], actions = [], data = {} } = {}) {
    clearTimers();
    stopMeter();
    state.phaseId += 1;
    const root = h(
      "section",
      { class: "screen", "data-screen": name, dataset: data },
      h("div", { class: "content" }, ...content),
      actions.length ? h("div", { class: "actions" }, ...actions) : null,
    );
    const app = document.getElementById("app");
    app.replaceChildren(root);
    window.scrollTo(0, 0);
    const heading = root.querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    return root;
  }

  function message(el, err) {
    if (!err) {
      el.hidden = true;
      el.textContent = "";
      delete el.dataset.i18n;
      delete el.dataset.code;
      return;
    }
    const [key, args] = messageFor(err);
    tx(el, key, args);
    el.dataset.code = err.code;
    el.hidden = false;
  }

  function messageFor(err) {
    const args = { text: err.message || "" };
    if (has(`code.${err.code}`)) return [`code.${err.code}`, args];
    return ["code.other", args];
  }

  // ---- API --------------------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(code, status, message) {
      super(message || code);
      this.code = code;
      this.status = status;
      this.message = message || "";
    }
  }

  async function api(method, path, body, { auth = true } = {}) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth) headers.Authorization = `Bearer ${state.session}`;
    let res;
    try {
      res = await fetch(`/v1/candidate/${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      throw new ApiError("NETWORK", 0, "");
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const e = data && typeof data === "object" ? data.error : null;
      const code = e && typeof e.code === "string" ? e.code : `HTTP_${res.status}`;
      throw new ApiError(code, res.status, e && typeof e.message === "string" ? e.message : "");
    }
    return data;
  }

  // Errors that end the interview on this page: the error page instead of an inline message.
  function fatal(err) {
    if (!(err instanceof ApiError)) return false;
    if (err.status === 401) {
      dropSession();
      showError(FATAL_CODES.includes(err.code) ? err.code : "SESSION_INVALID");
      return true;
    }
    if (!FATAL_CODES.includes(err.code)) return false;
    showError(err.code);
    return true;
  }

  function loadSessions() {
    try {
      const raw = localStorage.getItem(STORE_KEY);
      const parsed = raw ? JSON.parse(raw) : {};
      return parsed && typeof parsed === "object" ? parsed : {};
    } catch {
      return {};
    }
  }

  function saveSession(session) {
    const all = loadSessions();
    all[state.token] = session;
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(all));
    } catch {
      // private mode: a reload will need the link again
    }
  }

  function dropSession() {
    const all = loadSessions();
    delete all[state.token];
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(all));
    } catch {
      // nothing kept anyway
    }
  }

  // ---- media ------------------------------------------------------------------------------------------------

  function canRecord() {
    return Boolean(
      navigator.mediaDevices &&
        typeof navigator.mediaDevices.getUserMedia === "function" &&
        typeof window.MediaRecorder === "function" &&
        pickMime(false),
    );
  }

  function pickMime(video) {
    const list = video ? VIDEO_TYPES : AUDIO_TYPES;
    if (typeof window.MediaRecorder !== "function") return null;
    if (typeof MediaRecorder.isTypeSupported !== "function") return null;
    return list.find((type) => MediaRecorder.isTypeSupported(type)) || null;
  }

  function stopStream() {
    stopMeter();
    if (state.stream) for (const track of state.stream.getTracks()) track.stop();
    state.stream = null;
    state.streamKind = null;
  }

  async function ensureStream() {
    if (state.useVideo && !pickMime(true)) state.useVideo = false; // cannot record video here: audio only
    const kind = state.useVideo ? "video" : "audio";
    const live = state.stream && state.stream.getTracks().every((tr) => tr.readyState === "live");
    if (live && state.streamKind === kind) return state.stream;
    stopStream();
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: kind === "video" ? { facingMode: "user", width: 640, height: 480 } : false,
    });
    state.stream = stream;
    state.streamKind = kind;
    return stream;
  }

  // A small input level meter for audio-only recording: shows the microphone hears something.
  function startMeter(el) {
    stopMeter();
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx || !state.stream) return;
    try {
      const ctx = new Ctx();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      ctx.createMediaStreamSource(state.stream).connect(analyser);
      const buf = new Uint8Array(analyser.fftSize);
      const id = setInterval(() => {
        analyser.getByteTimeDomainData(buf);
        let peak = 0;
        for (const v of buf) peak = Math.max(peak, Math.abs(v - 128));
        el.value = Math.min(100, Math.round((peak / 128) * 160));
      }, 100);
      state.meter = { ctx, id };
    } catch {
      state.meter = null;
    }
  }

  function stopMeter() {
    if (!state.meter) return;
    clearInterval(state.meter.id);
    state.meter.ctx.close().catch(() => {});
    state.meter = null;
  }

  function dropTake() {
    if (state.take && state.take.url) URL.revokeObjectURL(state.take.url);
    state.take = null;
  }

  // ---- screens: loading, browser notice, error --------------------------------------------------------------

  function showLoading() {
    screen("loading", {
      content: [
        h("div", { class: "spinner", "aria-hidden": "true" }),
        h("h1", { class: "visually-hidden", i18n: "loading.title" }),
        h("p", { class: "muted center-text", i18n: "loading" }),
      ],
    }).classList.add("centered");
  }

  function showBrowserNotice() {
    screen("browser", {
      content: [
        h("div", { class: "icon icon-warn", "aria-hidden": "true", text: "!" }),
        h("h1", { i18n: "browser.title" }),
        h("p", { i18n: "browser.body" }),
        h("p", { class: "note", i18n: "browser.note" }),
      ],
      actions: [button("continue-here", "browser.continue", () => exchange(), "secondary")],
    });
  }

  function showError(code) {
    stopStream();
    dropTake();
    const known = ERROR_PAGES.includes(code);
    const page = known ? code : "GENERIC";
    const retry = page === "NETWORK" || page === "GENERIC";
    screen("error", {
      data: { code },
      content: [
        h("div", { class: "icon icon-warn", "aria-hidden": "true", text: "!" }),
        h("h1", { i18n: `${page}.title` }),
        h("p", { i18n: `${page}.body` }),
      ],
      actions: retry ? [button("retry", "error.retry", () => location.reload())] : [],
    });
  }

  // ---- start ------------------------------------------------------------------------------------------------

  function tokenFromPath() {
    const parts = location.pathname.split("/").filter(Boolean);
    if (parts.length < 2 || parts[0] !== "c" || parts[1] === "assets") return null;
    try {
      return decodeURIComponent(parts[parts.length - 1]);
    } catch {
      return null;
    }
  }

  async function exchange() {
    showLoading();
    try {
      const res = await api("POST", "sessions", { token: state.token }, { auth: false });
      state.session = res.session;
      saveSession(res.session);
      begin(res.interview);
    } catch (err) {
      showError(err instanceof ApiError ? err.code : "GENERIC");
    }
  }

  async function resume() {
    showLoading();
    try {
      begin(await api("GET", "interview"));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) dropSession();
      showError(err instanceof ApiError ? err.code : "GENERIC");
    }
  }

  function setLang(lang) {
    state.lang = lang === "en" ? "en" : "zh";
    retranslate();
  }

  function begin(view) {
    state.view = view;
    if (!state.langForced) setLang(view.language);
    state.useVideo = Boolean(view.consent && view.consent.video);
    if (view.stage === "completed" || view.questions.every((q) => q.answered)) showDone();
    else showWelcome();
  }

  // ---- welcome ----------------------------------------------------------------------------------------------

  function showWelcome() {
    const v = state.view;
    const longest = Math.max(...v.questions.map((q) => q.max_seconds));
    const rows = [
      ["welcome.format", ["welcome.formatValue", { n: v.questions.length, s: longest }], "format"],
      v.deadline ? ["welcome.deadline", ["welcome.deadlineValue", { iso: v.deadline }], "deadline"] : null,
      ["welcome.status", [`stage.${v.stage}`], "stage"],
    ].filter(Boolean);
    const started = v.stage === "in_progress" || v.questions.some((q) => q.answered || q.takes_used > 0);
    screen("welcome", {
      content: [
        h("p", { class: "kicker", i18n: "welcome.kicker" }),
        h("h1", { id: "job-title", text: v.job_title }),
        v.practice ? h("span", { class: "badge", id: "practice-badge", i18n: "welcome.practice" }) : null,
        h(
          "dl",
          { class: "facts" },
          ...rows.map(([label, value, id]) =>
            h("div", { class: "fact" }, h("dt", { i18n: label }), h("dd", { id, i18n: value })),
          ),
        ),
        h("h2", { i18n: "welcome.tips" }),
        h(
          "ul",
          { class: "tips" },
          h("li", { i18n: "welcome.tip1" }),
          h("li", { i18n: "welcome.tip2" }),
          h("li", { i18n: "welcome.tip3" }),
        ),
      ],
      actions: [
        button("start", started ? "welcome.continue" : "welcome.start", () =>
          state.view.consent ? nextQuestion() : showConsent(),
        ),
      ],
    });
  }

  // ---- consent ----------------------------------------------------------------------------------------------

  function showConsent() {
    const v = state.view;
    const allText = v.questions.every((q) => q.text_allowed);
    const audio = h("input", { type: "checkbox", id: "consent-audio" });
    const video = h("input", { type: "checkbox", id: "consent-video", disabled: true });
    const hint = h("p", { class: "hint", id: "consent-hint", "aria-live": "polite" });
    const needsAudio = h("em", { class: "sub", i18n: "consent.videoNeedsAudio" });
    const msg = h("p", { class: "message", role: "alert", id: "message", hidden: true });
    const submit = button("consent-submit", "consent.submit", onSubmit);

    function option(input, title, body, extra) {
      return h(
        "label",
        { class: "option", for: input.id },
        input,
        h("span", { class: "option-text" }, h("strong", { i18n: title }), h("span", { i18n: body }), extra),
      );
    }

    function update() {
      video.disabled = !audio.checked;
      if (!audio.checked) video.checked = false;
      needsAudio.hidden = audio.checked;
      submit.disabled = !audio.checked && !allText;
      hint.hidden = audio.checked;
      tx(hint, allText ? "consent.noneText" : "consent.noneBlocked");
    }

    async function onSubmit() {
      submit.disabled = true;
      message(msg, null);
      try {
        const body = { audio: audio.checked, video: video.checked, version: v.consent_version };
        state.view = await api("POST", "consent", body);
        state.useVideo = Boolean(state.view.consent && state.view.consent.video);
        nextQuestion();
      } catch (err) {
        if (fatal(err)) return;
        message(msg, err);
        submit.disabled = false;
      }
    }

    audio.addEventListener("change", update);
    video.addEventListener("change", update);
    screen("consent", {
      content: [
        h("h1", { i18n: "consent.title" }),
        h("p", { i18n: "consent.intro" }),
        option(audio, "consent.audio", "consent.audioBody"),
        option(video, "consent.video", "consent.videoBody", needsAudio),
        hint,
        h("p", { class: "muted small", id: "consent-version", i18n: ["consent.version", { v: v.consent_version }] }),
        msg,
      ],
      actions: [submit],
    });
    update();
  }

  // ---- questions --------------------------------------------------------------------------------------------

  function nextQuestion() {
    dropTake();
    const q = state.view.questions.find((item) => !item.answered);
    if (!q) {
      stopStream();
      showDone();
      return;
    }
    showQuestion(q);
  }

  function answered(q) {
    q.answered = true;
    nextQuestion();
  }

  // The question screen keeps its heading and text; each phase replaces its body and actions.
  function showQuestion(q) {
    const v = state.view;
    const index = v.questions.indexOf(q) + 1;
    const root = screen("question", {
      data: { question: q.question_id, phase: "" },
      content: [
        h("h1", { class: "q-counter", i18n: ["q.counter", { i: index, n: v.questions.length }] }),
        h("p", { class: "question-text", id: "question-text", text: q.text }),
        h("p", { class: "muted small", i18n: ["q.maxTime", { s: q.max_seconds }] }),
        h("div", { class: "phase", id: "phase" }),
        h("p", { class: "message", role: "alert", id: "message", hidden: true }),
      ],
      actions: [],
    });
    // an empty actions bar, filled by the phases
    root.append(h("div", { class: "actions", id: "actions" }));
    if (q.thinking_seconds > 0 && q.takes_used === 0) thinkingPhase(q);
    else answerPhase(q);
  }

  // Switches the question screen's phase: returns [body, actions, msg, phaseId].
  function phase(name) {
    clearTimers();
    stopMeter();
    state.phaseId += 1;
    const root = document.querySelector('[data-screen="question"]');
    root.dataset.phase = name;
    const body = document.getElementById("phase");
    const actions = document.getElementById("actions");
    body.replaceChildren();
    actions.replaceChildren();
    const msg = document.getElementById("message");
    message(msg, null);
    return { body, actions, msg, id: state.phaseId };
  }

  function current(id) {
    return state.phaseId === id;
  }

  function thinkingPhase(q) {
    const p = phase("thinking");
    const ends = Date.now() + q.thinking_seconds * 1000;
    const count = h("p", { class: "countdown", id: "thinking-countdown", text: clock(q.thinking_seconds) });
    p.body.append(h("h2", { i18n: "q.thinking" }), count, h("p", { class: "muted", i18n: "q.thinkingHint" }));
    p.actions.append(button("start-answer", "q.start", () => answerPhase(q)));
    every(250, () => {
      const left = (ends - Date.now()) / 1000;
      count.textContent = clock(left);
      if (left <= 0) answerPhase(q);
    });
  }

  function answerPhase(q) {
    const consented = Boolean(state.view.consent && state.view.consent.audio);
    if (consented && canRecord() && !state.textChosen[q.question_id]) readyPhase(q);
    else if (q.text_allowed) textPhase(q, consented ? (canRecord() ? null : "q.textUnsupported") : "q.textNoConsent");
    else blockedPhase(consented ? "q.blockedUnsupported" : "q.blockedNoConsent");
  }

  function takesLeft(q) {
    return Math.max(0, q.takes_allowed - q.takes_used);
  }

  function textSwitch(q, p, kind = "link") {
    if (!q.text_allowed) return;
    p.actions.append(
      button(
        "use-text",
        "q.useText",
        () => {
          state.textChosen[q.question_id] = true;
          textPhase(q, null);
        },
        kind,
      ),
    );
  }

  function preview(stream) {
    const el = h("video", {
      class: "preview",
      id: "preview",
      muted: true,
      playsinline: true,
      "webkit-playsinline": true,
      autoplay: true,
    });
    el.muted = true;
    el.srcObject = stream;
    el.play().catch(() => {});
    return el;
  }

  async function readyPhase(q, keepMessage) {
    const p = phase("ready");
    if (keepMessage) message(p.msg, keepMessage);
    const wait = h("p", { class: "muted", i18n: state.useVideo ? "q.preparingVideo" : "q.preparingAudio" });
    p.body.append(wait);
    const record = button("record", "q.record", () => startRecording(q));
    record.disabled = true;
    textSwitch(q, p);
    p.actions.append(record);
    let stream;
    try {
      stream = await ensureStream();
    } catch (err) {
      if (current(p.id)) permissionPhase(q, err);
      return;
    }
    if (!current(p.id)) return;
    const left = takesLeft(q);
    const media =
      state.streamKind === "video"
        ? preview(stream)
        : h("div", { class: "mic-card" }, h("span", { class: "mic", "aria-hidden": "true" }), h("p", { i18n: "q.readyAudio" }));
    wait.replaceWith(media);
    p.body.append(
      h("p", { class: "muted small", id: "takes-left", i18n: left > 0 ? ["q.takesLeft", { n: left }] : "q.noTakesLeft" }),
    );
    record.disabled = left === 0;
  }

  function permissionPhase(q, err) {
    stopStream();
    const p = phase("permission");
    const name = err && err.name;
    const refused = name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError";
    const video = state.useVideo;
    let title = "q.deviceTitle";
    let body = "q.deviceBody";
    if (refused) {
      title = video ? "q.permVideoTitle" : "q.permAudioTitle";
      body = video ? "q.permVideoBody" : "q.permAudioBody";
    }
    p.body.append(
      h("div", { class: "notice", id: "permission", dataset: { reason: refused ? "refused" : "device" } },
        h("h2", { i18n: title }),
        h("p", { i18n: body }),
        !video && q.text_allowed ? h("p", { i18n: "q.permAudioText" }) : null,
      ),
    );
    // secondary ways first, the primary one last (nearest the thumb)
    if (video) {
      textSwitch(q, p);
      p.actions.append(button("retry-device", "q.retryDevice", () => readyPhase(q), "secondary"));
      p.actions.append(
        button("audio-only", "q.audioOnly", () => {
          state.useVideo = false;
          readyPhase(q);
        }),
      );
    } else {
      p.actions.append(button("retry-device", "q.retryDevice", () => readyPhase(q), q.text_allowed ? "secondary" : "primary"));
      textSwitch(q, p, "primary");
    }
  }

  async function startRecording(q) {
    const p = phase("starting");
    p.body.append(h("p", { class: "muted", i18n: state.useVideo ? "q.preparingVideo" : "q.preparingAudio" }));
    let stream;
    try {
      stream = await ensureStream();
    } catch (err) {
      if (current(p.id)) permissionPhase(q, err);
      return;
    }
    let take;
    try {
      take = await api("POST", `answers/${encodeURIComponent(q.question_id)}/takes`);
    } catch (err) {
      if (fatal(err)) return;
      if (err.code === "ANSWER_EXISTS") return answered(q);
      if (err.code === "RERECORD_LIMIT") q.takes_used = q.takes_allowed;
      if (state.take) reviewPhase(q, err); // keep the current take
      else readyPhase(q, err);
      return;
    }
    if (typeof take.takes_left === "number") q.takes_used = q.takes_allowed - take.takes_left;
    else q.takes_used += 1;
    dropTake();
    recordingPhase(q, stream);
  }

  function recordingPhase(q, stream) {
    const p = phase("recording");
    const kind = state.streamKind;
    const mime = pickMime(kind === "video");
    let recorder;
    try {
      recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
    } catch {
      readyPhase(q, new ApiError("UNSUPPORTED_TYPE", 0, ""));
      return;
    }
    const chunks = [];
    const started = performance.now();
    let stoppedAt = 0;
    const remaining = h("span", { class: "remaining", id: "remaining", i18n: ["q.remaining", { s: q.max_seconds }] });
    const bar = h("progress", { id: "record-progress", max: String(q.max_seconds), value: "0" });
    const meter = h("progress", { class: "meter", id: "level", max: "100", value: "0" });
    p.body.append(
      kind === "video" ? preview(stream) : h("div", { class: "mic-card recording" }, h("span", { class: "mic", "aria-hidden": "true" }), meter),
      h(
        "div",
        { class: "rec-row" },
        h("span", { class: "rec-dot", "aria-hidden": "true" }),
        h("strong", { i18n: "q.recording" }),
        remaining,
      ),
      bar,
    );
    if (kind !== "video") startMeter(meter);
    const stop = button("stop", "q.stop", () => finish(), "danger");
    p.actions.append(stop);

    function finish() {
      if (recorder.state === "inactive") return;
      stop.disabled = true;
      stoppedAt = performance.now();
      recorder.stop();
    }

    recorder.ondataavailable = (e) => {
      if (e.data && e.data.size) chunks.push(e.data);
    };
    recorder.onstop = () => {
      if (!current(p.id)) return;
      const full = recorder.mimeType || mime || (chunks[0] && chunks[0].type) || "";
      const type = full.split(";")[0].trim();
      const blob = new Blob(chunks, { type }); // the bare type: the same as the upload's content_type
      const seconds = Math.round(((stoppedAt || performance.now()) - started) / 100) / 10;
      if (!blob.size) {
        readyPhase(q, new ApiError("RECORDING_EMPTY", 0, ""));
        return;
      }
      state.take = { blob, url: URL.createObjectURL(blob), seconds, type, kind };
      reviewPhase(q);
    };
    recorder.start(1000);
    every(200, () => {
      const elapsed = (performance.now() - started) / 1000;
      tx(remaining, "q.remaining", { s: Math.max(0, q.max_seconds - elapsed) });
      bar.value = Math.min(q.max_seconds, elapsed);
      if (elapsed >= q.max_seconds) finish();
    });
  }

  function reviewPhase(q, err) {
    const p = phase("review");
    if (err) message(p.msg, err);
    const take = state.take;
    const player = h(take.kind === "video" ? "video" : "audio", {
      class: take.kind === "video" ? "playback" : "playback-audio",
      id: "playback",
      controls: true,
      playsinline: true,
      "webkit-playsinline": true,
      preload: "metadata",
      src: take.url,
    });
    p.body.append(
      h("h2", { i18n: "q.review" }),
      player,
      h("p", { class: "muted small", id: "take-length", i18n: ["q.duration", { s: take.seconds }] }),
    );
    const left = takesLeft(q);
    const again = button(
      "rerecord",
      left > 0 ? "q.rerecord" : "q.rerecordNone",
      () => startRecording(q),
      "secondary",
      { n: left },
    );
    again.disabled = left === 0;
    p.actions.append(again, button("submit-recording", "q.submit", () => submitRecording(q)));
  }

  function uploadingPhase() {
    const p = phase("uploading");
    const bar = h("progress", { id: "upload-progress", max: "100", value: "0" });
    const pct = h("p", { class: "muted small", id: "upload-percent", i18n: ["q.uploadPercent", { p: 0 }] });
    const status = h("p", { class: "small", id: "upload-status", "aria-live": "polite" });
    p.body.append(h("h2", { i18n: "q.uploading" }), bar, pct, status, h("p", { class: "muted small", i18n: "q.uploadKeepOpen" }));
    return {
      id: p.id,
      progress(fraction) {
        const value = Math.round(fraction * 100);
        bar.value = value;
        tx(pct, "q.uploadPercent", { p: value });
      },
      retrying(n, s) {
        tx(status, "q.uploadRetrying", { n, s });
      },
    };
  }

  async function submitRecording(q) {
    const take = state.take;
    const ui = uploadingPhase();
    try {
      await uploadTake(q, take, ui);
    } catch (err) {
      if (fatal(err)) return;
      if (!current(ui.id)) return;
      if (err.code === "ANSWER_EXISTS") return answered(q);
      if (err.code === "UPLOAD_FAILED") return uploadFailedPhase(q);
      reviewPhase(q, err);
      return;
    }
    if (current(ui.id)) answered(q);
  }

  function uploadFailedPhase(q) {
    const p = phase("upload-failed");
    p.body.append(
      h("div", { class: "notice", id: "upload-failed" }, h("h2", { i18n: "q.uploadFailed" }), h("p", { i18n: "q.uploadFailedBody" })),
    );
    p.actions.append(button("upload-retry", "q.uploadRetry", () => submitRecording(q)));
  }

  async function requestForm(q, take) {
    return api("POST", `answers/${encodeURIComponent(q.question_id)}/upload`, {
      content_type: take.type,
      seconds: take.seconds,
    });
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // The upload form: a fresh form once on 403, backoff on network errors and 5xx, "upload failed" after
  // UPLOAD_ATTEMPTS failed attempts (the blob stays in memory for the retry button).
  async function uploadTake(q, take, ui) {
    let form = await requestForm(q, take);
    if (typeof form.max_bytes === "number" && take.blob.size > form.max_bytes) throw new ApiError("TOO_LARGE", 0, "");
    let refreshed = false;
    for (let attempt = 1; ; attempt += 1) {
      const status = await postForm(form, take, ui);
      if (status >= 200 && status < 300) {
        ui.progress(1);
        // the bucket has it: hand the answer in (one way per question; a repeat is harmless)
        await api("POST", `answers/${encodeURIComponent(q.question_id)}/uploaded`);
        return;
      }
      if (status === 403 && !refreshed) {
        refreshed = true;
        form = await requestForm(q, take);
        attempt -= 1; // the refused form is not the network's fault
        continue;
      }
      const transient = status === 0 || status >= 500 || status === 429;
      if (!transient || attempt >= UPLOAD_ATTEMPTS) throw new ApiError("UPLOAD_FAILED", status, "");
      const wait = BACKOFF_S[Math.min(attempt - 1, BACKOFF_S.length - 1)];
      ui.retrying(attempt, wait);
      ui.progress(0);
      await sleep(wait * 1000);
    }
  }

  function postForm(form, take, ui) {
    return new Promise((resolve) => {
      const data = new FormData();
      for (const [key, value] of Object.entries(form.fields || {})) data.append(key, value);
      data.append("file", take.blob, take.type.endsWith("mp4") ? "answer.mp4" : "answer.webm");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.url);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total) ui.progress(e.loaded / e.total);
      };
      xhr.onload = () => resolve(xhr.status);
      xhr.onerror = () => resolve(0);
      xhr.onabort = () => resolve(0);
      xhr.ontimeout = () => resolve(0);
      xhr.timeout = 15 * 60 * 1000;
      xhr.send(data);
    });
  }

  function textPhase(q, reason) {
    stopStream();
    const p = phase("text");
    const area = h("textarea", {
      id: "text-answer",
      rows: "8",
      placeholder: "q.textPlaceholder",
      "aria-describedby": "text-count",
    });
    const count = h("p", { class: "muted small right", id: "text-count", i18n: ["q.textCount", { n: 0 }] });
    const submit = button("submit-text", "q.submitText", onSubmit);
    submit.disabled = true;
    area.addEventListener("input", () => {
      const n = [...area.value.trim()].length;
      tx(count, "q.textCount", { n });
      submit.disabled = n === 0;
    });
    if (reason) p.body.append(h("p", { class: "notice small", id: "text-reason", i18n: reason }));
    p.body.append(h("label", { for: "text-answer", class: "label", i18n: "q.textLabel" }), area, count);
    const consented = Boolean(state.view.consent && state.view.consent.audio);
    if (consented && canRecord()) {
      p.actions.append(
        button(
          "use-recording",
          "q.useRecording",
          () => {
            state.textChosen[q.question_id] = false;
            readyPhase(q);
          },
          "link",
        ),
      );
    }
    p.actions.append(submit);

    async function onSubmit() {
      submit.disabled = true;
      message(p.msg, null);
      try {
        await api("POST", `answers/${encodeURIComponent(q.question_id)}/text`, { text: area.value.trim() });
      } catch (err) {
        if (fatal(err)) return;
        if (err.code === "ANSWER_EXISTS") return answered(q);
        message(p.msg, err);
        submit.disabled = false;
        return;
      }
      answered(q);
    }
  }

  function blockedPhase(reason) {
    stopStream();
    const p = phase("blocked");
    p.body.append(h("div", { class: "notice", id: "blocked" }, h("p", { i18n: reason })));
  }

  // ---- done -------------------------------------------------------------------------------------------------

  function showDone() {
    stopStream();
    const body = h("div", { id: "done-body" });
    screen("done", {
      content: [
        h("div", { class: "icon icon-ok", "aria-hidden": "true", text: "✓" }),
        h("h1", { i18n: "done.title" }),
        h("p", { i18n: "done.thanks" }),
        body,
      ],
    });
    renderDone(body);
    poll(body, state.phaseId);
  }

  // Every POLL_MS until the result is known, for at most POLL_FOR_MS; then "reload later".
  async function poll(body, id) {
    const until = Date.now() + POLL_FOR_MS;
    let timer = null;
    const refresh = async () => {
      try {
        state.view = await api("GET", "interview");
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          dropSession();
          return false;
        }
        return Date.now() < until; // a network hiccup: try again at the next tick
      }
      if (!current(id)) return false;
      renderDone(body);
      return state.view.result === "pending" && Date.now() < until;
    };
    const stop = () => {
      if (timer !== null) clearInterval(timer);
      const status = document.getElementById("result-status");
      if (current(id) && state.view.result === "pending" && status) tx(status, "done.pendingStopped");
    };
    if (!(await refresh())) return stop();
    timer = every(POLL_MS, async () => {
      if (!current(id)) return clearInterval(timer);
      if (!(await refresh())) stop();
    });
  }

  function renderDone(body) {
    const v = state.view;
    const result = ["pending", "scored", "rejected", "failed"].includes(v.result) ? v.result : "pending";
    const nodes = [
      h(
        "dl",
        { class: "facts" },
        h("div", { class: "fact" }, h("dt", { i18n: "done.status" }), h("dd", { id: "stage", i18n: `stage.${v.stage}` })),
      ),
      h("p", { id: "result-status", class: `result result-${result}`, dataset: { result }, i18n: `done.${result}` }),
    ];
    if (v.feedback) nodes.push(feedbackSection(v.feedback));
    if (v.result === "scored" && !v.practice) nodes.push(reviewSection(v)); // a practice result is the candidate's own: nothing to review
    body.replaceChildren(...nodes);
  }

  function feedbackSection(feedback) {
    const items = Array.isArray(feedback.items) ? feedback.items : [];
    const locale = state.lang === "zh" ? "zh-CN" : "en-GB";
    return h(
      "section",
      { id: "feedback", class: "card" },
      h("h2", { i18n: "done.feedback" }),
      typeof feedback.overall_score === "number"
        ? h(
            "p",
            { class: "overall", id: "overall-score" },
            h("span", { i18n: "done.overall" }),
            h("strong", { text: feedback.overall_score.toLocaleString(locale, { maximumFractionDigits: 1 }) }),
          )
        : null,
      h("p", { class: "muted small", i18n: "done.feedbackNote" }),
      h(
        "ul",
        { class: "feedback-list" },
        ...items.map((item) => {
          const kind = item.kind === "strength" ? "strength" : "development";
          return h(
            "li",
            { class: `fb fb-${kind}`, dataset: { kind } },
            h("span", { class: `tag tag-${kind}`, i18n: `done.${kind}` }),
            h("strong", { class: "competency", text: item.competency }),
            h("p", { text: item.text }),
          );
        }),
      ),
    );
  }

  function reviewSection(v) {
    if (v.review_requested) {
      return h("section", { id: "review", class: "card" }, h("p", { id: "review-status", i18n: "review.requested" }));
    }
    const area = h("textarea", { id: "review-reason", rows: "3", maxlength: "1000", placeholder: "review.placeholder" });
    const msg = h("p", { class: "message", role: "alert", id: "review-message", hidden: true });
    const submit = button("review-submit", "review.submit", onSubmit, "secondary");
    submit.disabled = true;
    area.addEventListener("input", () => {
      submit.disabled = area.value.trim().length === 0;
    });

    async function onSubmit() {
      submit.disabled = true;
      message(msg, null);
      try {
        state.view = await api("POST", "review-request", { reason: area.value.trim().slice(0, 1000) });
      } catch (err) {
        if (fatal(err)) return;
        message(msg, err);
        submit.disabled = false;
        return;
      }
      state.view.review_requested = true;
      const body = document.getElementById("done-body");
      if (body) renderDone(body);
    }

    return h(
      "section",
      { id: "review", class: "card" },
      h("h2", { i18n: "review.title" }),
      h("p", { class: "small", i18n: "review.body" }),
      h("label", { for: "review-reason", class: "label", i18n: "review.label" }),
      area,
      msg,
      submit,
    );
  }

  // ---- boot -------------------------------------------------------------------------------------------------

  function boot() {
    const forced = new URLSearchParams(location.search).get("lang");
    if (forced === "en" || forced === "zh") {
      state.langForced = true;
      state.lang = forced;
    }
    const toggle = document.getElementById("lang-toggle");
    toggle.dataset.i18n = "lang.toggle";
    toggle.dataset.i18nLabel = "lang.toggleLabel";
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      state.langForced = true;
      setLang(state.lang === "zh" ? "en" : "zh");
      const url = new URL(location.href);
      url.searchParams.set("lang", state.lang);
      history.replaceState(null, "", url.pathname + url.search);
    });
    document.getElementById("brand").dataset.i18n = "brand";
    retranslate();
    window.addEventListener("pagehide", stopStream);

    state.token = tokenFromPath();
    if (!state.token) {
      showError("LINK_INVALID");
      return;
    }
    const stored = loadSessions()[state.token];
    if (typeof stored === "string" && stored) {
      state.session = stored;
      resume();
    } else if (!canRecord()) showBrowserNotice();
    else exchange();
  }

  boot();
})();
