// The HR workspace (issue 18): /hr/… for HR and hiring managers. Vanilla ES2020, no build step, same-origin
// API only (/v1/workspace/*, session in an HttpOnly cookie the page never sees). Every user-visible string is in
// MESSAGES below (zh first, en too). API strings (quotes, comments, names) are only ever set as textContent.
"use strict";

(() => {
  // ---- messages ---------------------------------------------------------------------------------------------

  const MESSAGES = {
    zh: {
      "doc.title": "即评 · HR 工作台",
      brand: "即评 · HR 工作台",
      "lang.toggle": "English",
      "lang.toggleLabel": "Switch to English",
      logout: "退出登录",
      loading: "正在加载…",
      "role.hr": "HR",
      "role.manager": "用人经理",
      who: (a) => `${a.name} · ${a.role}`,
      date: (a) => a.d,

      "login.title": "登录 HR 工作台",
      "login.intro": "用企业微信账号登录，查看面试评估结果、人才库和推送给你的候选人。",
      "login.tenant": "企业标识",
      "login.tenantHint": "由贵公司的管理员提供，例如 acme。登录成功后本浏览器会记住它。",
      "login.tenantKnown": (a) => `企业：${a.tenant}`,
      "login.tenantChange": "更换企业",
      "login.tenantMissing": "请先填写企业标识。",
      "login.wecom": "企业微信登录",
      "login.cognito": "使用公司账号登录",
      "login.redirecting": "正在跳转到企业微信登录…",
      "login.error.NOT_A_MEMBER": "你的企业微信账号不在本企业的成员中，或尚未开通工作台权限。请联系 HR 管理员。",
      "login.error.LOGIN_EXPIRED": "登录已超时，请重新登录。",
      "login.error.WECOM_REFUSED": "企业微信没有完成授权（可能点了取消）。请重新登录。",
      "login.error.SESSION_EXPIRED": "登录已过期，请重新登录。",
      "login.error.COGNITO_FAILED": "公司账号登录没有完成，请重试或改用企业微信登录。",
      "login.error.other": (a) => `登录没有成功（${a.code}），请重试。`,

      "home.jobs": "招聘岗位",
      "home.jobsIntro": "每个岗位的面试进度和结果。点岗位名称查看人才库。",
      "home.noJobs": "还没有岗位。",
      "home.pushed": "推送给我的候选人",
      "home.pushedIntro": "HR 推送给你的候选人。点候选人编号查看评估报告，并给出你的决定。",
      "home.noPushed": "目前没有推送给你的候选人。",
      "job.version": (a) => `版本 ${a.v}`,
      "job.open": "查看人才库",

      "count.invited": "已邀请",
      "count.started": "已开始作答",
      "count.completed": "已交齐回答",
      "count.scored": "已出评估结果",
      "count.rejected": "录制不合格",
      "count.failed": "评估出错",
      "count.people": (a) => `${a.n} 人`,
      "pass.label": "通过率",
      "pass.value": (a) => `${a.p}%`,
      "pass.detail": (a) => `已出结果的 ${a.scored} 人中，${a.passed} 人建议进入下一轮`,
      "pass.none": "通过率：暂无（还没有评估结果）",

      "job.funnel": "面试进度",
      "job.funnelNote": "每一步的人数；“录制不合格”和“评估出错”的面试需要 HR 跟进。",
      "job.distribution": "综合得分分布",
      "job.distributionNote": "横轴是综合得分（满分 100），每一段 10 分；柱子上的数字是人数。",
      "job.distributionLabel": (a) => `综合得分分布：${a.text}`,
      "job.binTitle": (a) => `${a.from}–${a.to} 分：${a.n} 人`,
      "job.axisScore": "综合得分（分）",
      "job.axisPeople": "人数",
      "job.competencies": "各项能力平均分",
      "job.competencyMean": (a) => `平均 ${a.mean} / 100（${a.n} 人）`,
      "job.recommendations": "评估建议",

      "rec.advance": "建议进入下一轮",
      "rec.review": "建议人工复核后决定",
      "rec.decline": "不建议推进",
      "rec.none": "暂无建议",
      "decision.advance": "推进到下一轮",
      "decision.hold": "暂缓",
      "decision.decline": "不再推进",
      "decision.none": "未决定",
      "status.CREATED": "待作答",
      "status.PROCESSING": "评估中",
      "status.TRANSCRIBED": "评估中",
      "status.SCORED": "已出结果",
      "status.REJECTED": "录制不合格",
      "status.FAILED": "评估出错",

      "pool.title": "人才库",
      "pool.intro": "按综合得分从高到低排列。点候选人编号查看完整报告。",
      "pool.filters": "筛选",
      "pool.status": "状态",
      "pool.recommendation": "评估建议",
      "pool.any": "全部",
      "pool.minScore": "最低分",
      "pool.maxScore": "最高分",
      "pool.review": "只看需要复核的",
      "pool.apply": "筛选",
      "pool.reset": "清除筛选",
      "pool.rank": "排名",
      "pool.candidate": "候选人编号",
      "pool.score": "综合得分",
      "pool.level": "等级",
      "pool.rec": "评估建议",
      "pool.reviewNeeded": "需要复核",
      "pool.pushedTo": "已推送给",
      "pool.decision": "决定",
      "pool.yes": "是",
      "pool.no": "否",
      "pool.nobody": "—",
      "pool.more": "更多",
      "pool.empty": "没有符合条件的候选人。",
      "pool.shown": (a) => `已显示 ${a.n} 人`,
      "pool.csv": "导出人才库（CSV，按当前筛选）",
      "pool.resultsCsv": "导出全部评估结果（CSV，含各项能力得分）",
      "pool.scoreValue": (a) => `${a.s} / 100`,
      "pool.levelValue": (a) => `${a.l} / 5`,

      "push.title": "推送给用人经理",
      "push.intro": "把得分最高的一部分候选人推送给用人经理，经理会在企业微信收到通知并能查看报告。",
      "push.percent": "推送得分前",
      "push.percentUnit": "% 的候选人",
      "push.manager": "用人经理",
      "push.choose": "请选择",
      "push.noManagers": "本企业还没有用人经理账号。",
      "push.submit": (a) => `前 ${a.n}% → 用人经理`,
      "push.one": "推送给用人经理",
      "push.result": (a) => `已推送 ${a.n} 人。`,
      "push.already": (a) => `另有 ${a.n} 人之前已推送过，未重复推送。`,
      "push.card.sent": "企业微信通知：已发送。",
      "push.card.skipped": (a) => `企业微信通知：未发送${a.reason ? `（${a.reason}）` : ""}。`,
      "push.card.failed": (a) =>
        `企业微信通知：发送失败${a.reason ? `（${a.reason}）` : ""}。候选人已推送，经理登录工作台即可看到。`,
      "push.needManager": "请先选择用人经理。",
      "push.badPercent": "请填写 1 到 100 之间的整数。",

      "report.title": (a) => `候选人 ${a.ref}`,
      "report.job": (a) => `应聘岗位：${a.title}`,
      "report.status": "状态",
      "report.scoredAt": "评估时间",
      "report.overall": "综合得分",
      "report.overallValue": (a) => `${a.s} / 100`,
      "report.level": "等级",
      "report.levelValue": (a) => `${a.l} / 5`,
      "report.recommendation": "评估建议",
      "report.modelRec": (a) => `模型原建议：${a.rec}（已由 HR 人工修改）`,
      "report.noResult": "这场面试还没有评估结果。",
      "report.reviewTitle": "需要复核",
      "report.reviewIntro": "系统发现以下情况，请先人工看一下回答再做决定：",
      "report.competencies": "各项能力",
      "report.competenciesIntro": "每项能力按 1–5 级的行为标准评估。点引用的原话可以播放那一段回答。",
      "report.weight": (a) => `权重 ${a.w}%`,
      "report.compScore": (a) => `得分 ${a.s} / 100`,
      "report.compLevel": (a) => `等级 ${a.l} / 5`,
      "report.anchor": (a) => `等级 ${a.l} 的行为标准`,
      "report.reason": "评估理由",
      "report.strengths": "做得好的地方",
      "report.gaps": "还没有体现的行为",
      "report.gapLevel": (a) => `等级 ${a.l}`,
      "report.notAssessed": "未评估：回答中没有涉及这项能力。",
      "report.play": (a) => `播放第 ${a.q} 题 ${a.t}`,
      "report.quoteAt": (a) => `第 ${a.q} 题 ${a.t}`,
      "report.quoteWritten": (a) => `第 ${a.q} 题（书面回答）`,
      "report.answers": "逐题回答",
      "report.question": (a) => `第 ${a.i} 题`,
      "report.transcript": "文字稿",
      "report.textAnswer": "书面回答",
      "report.noAnswer": "没有作答。",
      "report.noMedia": "录像或录音已按保留期限删除，或无法播放。",
      "report.flags": "其他提示",
      "report.flagsNone": "没有需要注意的情况。",
      "report.flagWhere": (a) => `第 ${a.q} 题，${a.from}–${a.to}`,
      "report.raw": "原始测量值（供技术人员参考）",
      "report.rawNote": "以下数值是系统直接测得的，仅供技术人员排查问题参考，不代表对候选人的评价。",
      "report.rawQuestion": "题目",
      "report.rawName": "测量项",
      "report.rawValue": "数值",
      "report.rawMissing": (a) => `缺失（${a.why}）`,
      "report.versions": "评估所用的版本",
      "report.outline": "查看二面提纲",
      "report.backJob": "返回人才库",
      "report.backHome": "返回首页",
      "report.pushedTo": "已推送给",
      "report.pushedNobody": "还没有推送给用人经理。",
      "report.pushedItem": (a) => `${a.name}（${a.at}）`,

      "decision.title": "决定",
      "decision.current": (a) => `当前决定：${a.decision}`,
      "decision.by": (a) => `${a.name}（${a.role}），${a.at}`,
      "decision.reasonShown": (a) => `理由：${a.reason}`,
      "decision.none2": "还没有人做出决定。",
      "decision.choose": "你的决定",
      "decision.reason": "理由",
      "decision.reasonPlaceholder": "例如：沟通清楚，客户导向强，建议安排二面。",
      "decision.submit": "提交决定",
      "decision.saved": "决定已保存。",

      "override.title": "修改评估建议（仅 HR）",
      "override.intro": "如果你认为模型的建议不合适，可以改成另一项建议。原建议会保留并显示。",
      "override.choose": "新的建议",
      "override.reason": "修改理由",
      "override.reasonPlaceholder": "例如：第 2 题录音有杂音，人工听后认为回答完整。",
      "override.submit": "修改建议",
      "override.saved": "建议已修改。",

      "comments.title": "评论",
      "comments.none": "还没有评论。",
      "comments.label": "写评论",
      "comments.placeholder": "例如：逻辑清楚，但缺乏行业经验，建议二面重点考察。",
      "comments.submit": "发表评论",
      "comments.by": (a) => `${a.name}（${a.role}） · ${a.at}`,

      "pushed.by": (a) => `${a.name} 推送于 ${a.at}`,
      "pushed.note": (a) => `备注：${a.note}`,
      "pushed.open": "查看报告",

      "outline.title": "二面提纲",
      "outline.sub": (a) => `${a.title} · 建议时长 ${a.m} 分钟`,
      "outline.intro": "针对评估中较弱的能力准备的追问。每个问题都标明了来源。",
      "outline.noResume": "未提供简历：问题来自题库和评估缺口。",
      "outline.print": "打印",
      "outline.back": "返回报告",
      "outline.levels": (a) => `目前等级 ${a.l} / 5，目标等级 ${a.target} / 5（得分 ${a.s} / 100）`,
      "outline.gap": "评估缺口",
      "outline.questions": "建议追问",
      "outline.resume": "简历中相关的内容",
      "outline.resumeLine": (a) => `第 ${a.n} 行`,
      "outline.none": "评估中没有明显较弱的能力，不需要专门的追问。",
      "source.question_bank": (a) => `来自题库${a.d ? ` ${a.d}` : ""}`,
      "source.evaluation_gap": (a) => `来自评估缺口${a.d ? `（${a.d}）` : ""}`,
      "source.resume": (a) => `来自简历${a.d ? a.d : ""}`,

      "error.ROLE_FORBIDDEN.title": "没有权限",
      "error.ROLE_FORBIDDEN.body": "这个页面只有 HR 可以查看。",
      "error.INTERVIEW_NOT_FOUND.title": "找不到这场面试",
      "error.INTERVIEW_NOT_FOUND.body": "这场面试不存在，或者没有推送给你。",
      "error.JOB_NOT_FOUND.title": "找不到这个岗位",
      "error.JOB_NOT_FOUND.body": "这个岗位不存在，或者已被删除。",
      "error.NOT_FOUND.title": "页面不存在",
      "error.NOT_FOUND.body": "请检查地址，或回到首页。",
      "error.NETWORK.title": "网络连接失败",
      "error.NETWORK.body": "暂时无法连接到服务器，请检查网络后重试。",
      "error.GENERIC.title": "出了点问题",
      "error.GENERIC.body": "页面暂时无法加载，请稍后重试。",
      "error.retry": "重试",
      "error.home": "回到首页",
      "code.NETWORK": "网络连接失败，请检查网络后重试。",
      "code.CSRF_HEADER_REQUIRED": "请求被拒绝，请刷新页面后重试。",
      "code.ROLE_FORBIDDEN": "你没有权限执行这个操作。",
      "code.FILTER_CONFLICT": "“只看需要复核的”就是评估建议为“建议人工复核后决定”的候选人，不能再选其他评估建议。",
      "code.MANAGER_NOT_FOUND": "找不到这位用人经理，请刷新页面后重新选择。",
      "code.NOT_SCORED": "这场面试还没有评估结果，暂时不能做这个操作。",
      "code.other": (a) => (a.text ? `出错了：${a.text}` : "出错了，请稍后重试。"),
    },

    en: {
      "doc.title": "Jiping · HR workspace",
      brand: "Jiping · HR workspace",
      "lang.toggle": "中文",
      "lang.toggleLabel": "切换到中文",
      logout: "Sign out",
      loading: "Loading…",
      "role.hr": "HR",
      "role.manager": "Hiring manager",
      who: (a) => `${a.name} · ${a.role}`,
      date: (a) => a.d,

      "login.title": "Sign in to the HR workspace",
      "login.intro": "Sign in with WeCom to see interview results, the talent pool and the candidates sent to you.",
      "login.tenant": "Company ID",
      "login.tenantHint":
        "Your company's administrator gives you this, e.g. acme. This browser remembers it after you sign in.",
      "login.tenantKnown": (a) => `Company: ${a.tenant}`,
      "login.tenantChange": "Change company",
      "login.tenantMissing": "Please enter your company ID first.",
      "login.wecom": "Sign in with WeCom",
      "login.cognito": "Sign in with your company account",
      "login.redirecting": "Opening the WeCom sign-in…",
      "login.error.NOT_A_MEMBER":
        "Your WeCom account is not a member of this company, or has no access to the workspace. Please contact your HR administrator.",
      "login.error.LOGIN_EXPIRED": "The sign-in took too long. Please sign in again.",
      "login.error.WECOM_REFUSED": "WeCom did not complete the sign-in (perhaps it was cancelled). Please try again.",
      "login.error.SESSION_EXPIRED": "Your session has expired. Please sign in again.",
      "login.error.COGNITO_FAILED": "The company account sign-in did not complete. Try again, or sign in with WeCom.",
      "login.error.other": (a) => `The sign-in did not succeed (${a.code}). Please try again.`,

      "home.jobs": "Jobs",
      "home.jobsIntro": "Interview progress and results per job. Open a job to see its talent pool.",
      "home.noJobs": "No jobs yet.",
      "home.pushed": "Candidates sent to me",
      "home.pushedIntro": "Candidates HR sent to you. Open a candidate to read the report and give your decision.",
      "home.noPushed": "No candidates have been sent to you yet.",
      "job.version": (a) => `Version ${a.v}`,
      "job.open": "Open the talent pool",

      "count.invited": "Invited",
      "count.started": "Started",
      "count.completed": "All answers in",
      "count.scored": "Evaluated",
      "count.rejected": "Recording unusable",
      "count.failed": "Evaluation failed",
      "count.people": (a) => `${a.n}`,
      "pass.label": "Pass rate",
      "pass.value": (a) => `${a.p}%`,
      "pass.detail": (a) => `${a.passed} of ${a.scored} evaluated candidates are recommended for the next round`,
      "pass.none": "Pass rate: none yet (nothing evaluated)",

      "job.funnel": "Interview progress",
      "job.funnelNote": "People at each step; “recording unusable” and “evaluation failed” need HR to follow up.",
      "job.distribution": "Overall scores",
      "job.distributionNote": "Overall score out of 100 in steps of 10; the number on a bar is how many people.",
      "job.distributionLabel": (a) => `Overall scores: ${a.text}`,
      "job.binTitle": (a) => `${a.from}–${a.to} points: ${a.n} ${a.n === 1 ? "person" : "people"}`,
      "job.axisScore": "Overall score (points)",
      "job.axisPeople": "People",
      "job.competencies": "Average per competency",
      "job.competencyMean": (a) => `average ${a.mean} / 100 (${a.n} ${a.n === 1 ? "person" : "people"})`,
      "job.recommendations": "Recommendations",

      "rec.advance": "Recommended for the next round",
      "rec.review": "Review before deciding",
      "rec.decline": "Not recommended",
      "rec.none": "No recommendation",
      "decision.advance": "Advance to the next round",
      "decision.hold": "Hold",
      "decision.decline": "Do not advance",
      "decision.none": "Not decided",
      "status.CREATED": "Not answered yet",
      "status.PROCESSING": "Being evaluated",
      "status.TRANSCRIBED": "Being evaluated",
      "status.SCORED": "Evaluated",
      "status.REJECTED": "Recording unusable",
      "status.FAILED": "Evaluation failed",

      "pool.title": "Talent pool",
      "pool.intro": "Best overall score first. Open a candidate to read the full report.",
      "pool.filters": "Filters",
      "pool.status": "Status",
      "pool.recommendation": "Recommendation",
      "pool.any": "Any",
      "pool.minScore": "Lowest score",
      "pool.maxScore": "Highest score",
      "pool.review": "Only those needing review",
      "pool.apply": "Filter",
      "pool.reset": "Clear filters",
      "pool.rank": "Rank",
      "pool.candidate": "Candidate",
      "pool.score": "Overall score",
      "pool.level": "Level",
      "pool.rec": "Recommendation",
      "pool.reviewNeeded": "Needs review",
      "pool.pushedTo": "Sent to",
      "pool.decision": "Decision",
      "pool.yes": "Yes",
      "pool.no": "No",
      "pool.nobody": "—",
      "pool.more": "More",
      "pool.empty": "No candidates match.",
      "pool.shown": (a) => `${a.n} shown`,
      "pool.csv": "Export the talent pool (CSV, current filters)",
      "pool.resultsCsv": "Export all results (CSV, with competency scores)",
      "pool.scoreValue": (a) => `${a.s} / 100`,
      "pool.levelValue": (a) => `${a.l} / 5`,

      "push.title": "Send to a hiring manager",
      "push.intro":
        "Send the best-scoring candidates to a hiring manager, who is told in WeCom and can read their reports.",
      "push.percent": "Send the top",
      "push.percentUnit": "% of candidates",
      "push.manager": "Hiring manager",
      "push.choose": "Choose…",
      "push.noManagers": "This company has no hiring manager accounts yet.",
      "push.submit": (a) => `Top ${a.n}% → hiring manager`,
      "push.one": "Send to a hiring manager",
      "push.result": (a) => `${a.n} ${a.n === 1 ? "candidate" : "candidates"} sent.`,
      "push.already": (a) => `${a.n} more had been sent before and were not sent again.`,
      "push.card.sent": "WeCom message: sent.",
      "push.card.skipped": (a) => `WeCom message: not sent${a.reason ? ` (${a.reason})` : ""}.`,
      "push.card.failed": (a) =>
        `WeCom message: failed${a.reason ? ` (${a.reason})` : ""}. The candidates are sent: the manager sees them in the workspace.`,
      "push.needManager": "Please choose a hiring manager.",
      "push.badPercent": "Please enter a whole number from 1 to 100.",

      "report.title": (a) => `Candidate ${a.ref}`,
      "report.job": (a) => `Job: ${a.title}`,
      "report.status": "Status",
      "report.scoredAt": "Evaluated on",
      "report.overall": "Overall score",
      "report.overallValue": (a) => `${a.s} / 100`,
      "report.level": "Level",
      "report.levelValue": (a) => `${a.l} / 5`,
      "report.recommendation": "Recommendation",
      "report.modelRec": (a) => `The model recommended: ${a.rec} (changed by HR)`,
      "report.noResult": "This interview has no evaluation yet.",
      "report.reviewTitle": "Needs review",
      "report.reviewIntro": "The system noticed the following: please look at the answers before deciding.",
      "report.competencies": "Competencies",
      "report.competenciesIntro":
        "Each competency is judged on behaviour described for levels 1–5. Press a quote to play that part of the answer.",
      "report.weight": (a) => `weight ${a.w}%`,
      "report.compScore": (a) => `score ${a.s} / 100`,
      "report.compLevel": (a) => `level ${a.l} / 5`,
      "report.anchor": (a) => `What level ${a.l} looks like`,
      "report.reason": "Why",
      "report.strengths": "What went well",
      "report.gaps": "Not shown yet",
      "report.gapLevel": (a) => `Level ${a.l}`,
      "report.notAssessed": "Not assessed: the answers did not touch on this competency.",
      "report.play": (a) => `Play question ${a.q} at ${a.t}`,
      "report.quoteAt": (a) => `Question ${a.q}, ${a.t}`,
      "report.quoteWritten": (a) => `Question ${a.q} (written)`,
      "report.answers": "Answers",
      "report.question": (a) => `Question ${a.i}`,
      "report.transcript": "Transcript",
      "report.textAnswer": "Written answer",
      "report.noAnswer": "Not answered.",
      "report.noMedia": "The recording was deleted under the retention schedule, or cannot be played.",
      "report.flags": "Other notes",
      "report.flagsNone": "Nothing to point out.",
      "report.flagWhere": (a) => `question ${a.q}, ${a.from}–${a.to}`,
      "report.raw": "Raw measurements (for technical staff)",
      "report.rawNote":
        "These values are measured directly by the system, for technical staff looking into a problem. They are not a judgement of the candidate.",
      "report.rawQuestion": "Question",
      "report.rawName": "Measure",
      "report.rawValue": "Value",
      "report.rawMissing": (a) => `missing (${a.why})`,
      "report.versions": "Versions used for this evaluation",
      "report.outline": "Open the second-interview outline",
      "report.backJob": "Back to the talent pool",
      "report.backHome": "Back to the start",
      "report.pushedTo": "Sent to",
      "report.pushedNobody": "Not sent to a hiring manager yet.",
      "report.pushedItem": (a) => `${a.name} (${a.at})`,

      "decision.title": "Decision",
      "decision.current": (a) => `Current decision: ${a.decision}`,
      "decision.by": (a) => `${a.name} (${a.role}), ${a.at}`,
      "decision.reasonShown": (a) => `Reason: ${a.reason}`,
      "decision.none2": "Nobody has decided yet.",
      "decision.choose": "Your decision",
      "decision.reason": "Reason",
      "decision.reasonPlaceholder": "For example: clear and customer-minded; let us invite them to a second interview.",
      "decision.submit": "Save the decision",
      "decision.saved": "Decision saved.",

      "override.title": "Change the recommendation (HR only)",
      "override.intro": "If the model's recommendation is wrong, choose another. The original stays visible.",
      "override.choose": "New recommendation",
      "override.reason": "Why",
      "override.reasonPlaceholder":
        "For example: question 2 has background noise; listened to, the answer is complete.",
      "override.submit": "Change the recommendation",
      "override.saved": "Recommendation changed.",

      "comments.title": "Comments",
      "comments.none": "No comments yet.",
      "comments.label": "Add a comment",
      "comments.placeholder":
        "For example: logical, but little industry experience; probe this in the second interview.",
      "comments.submit": "Post",
      "comments.by": (a) => `${a.name} (${a.role}) · ${a.at}`,

      "pushed.by": (a) => `sent by ${a.name} on ${a.at}`,
      "pushed.note": (a) => `Note: ${a.note}`,
      "pushed.open": "Open the report",

      "outline.title": "Second-interview outline",
      "outline.sub": (a) => `${a.title} · about ${a.m} minutes`,
      "outline.intro":
        "Follow-up questions for the competencies that came out weakest. Each shows where it comes from.",
      "outline.noResume": "No résumé supplied: the questions come from the question bank and the evaluation's gaps.",
      "outline.print": "Print",
      "outline.back": "Back to the report",
      "outline.levels": (a) => `Now level ${a.l} / 5, aiming for ${a.target} / 5 (score ${a.s} / 100)`,
      "outline.gap": "Gap",
      "outline.questions": "Questions to ask",
      "outline.resume": "From the résumé",
      "outline.resumeLine": (a) => `line ${a.n}`,
      "outline.none": "No competency came out clearly weak: no special follow-up is needed.",
      "source.question_bank": (a) => `From the question bank${a.d ? `: ${a.d}` : ""}`,
      "source.evaluation_gap": (a) => `From the evaluation's gaps${a.d ? ` (${a.d})` : ""}`,
      "source.resume": (a) => `From the résumé${a.d ? `, ${a.d}` : ""}`,

      "error.ROLE_FORBIDDEN.title": "No access",
      "error.ROLE_FORBIDDEN.body": "Only HR can open this page.",
      "error.INTERVIEW_NOT_FOUND.title": "Interview not found",
      "error.INTERVIEW_NOT_FOUND.body": "This interview does not exist, or was not sent to you.",
      "error.JOB_NOT_FOUND.title": "Job not found",
      "error.JOB_NOT_FOUND.body": "This job does not exist or was removed.",
      "error.NOT_FOUND.title": "Page not found",
      "error.NOT_FOUND.body": "Please check the address, or go back to the start.",
      "error.NETWORK.title": "No connection",
      "error.NETWORK.body": "We cannot reach the server right now. Please check your connection and try again.",
      "error.GENERIC.title": "Something went wrong",
      "error.GENERIC.body": "The page could not be loaded. Please try again later.",
      "error.retry": "Try again",
      "error.home": "Back to the start",
      "code.NETWORK": "No connection: please check your network and try again.",
      "code.CSRF_HEADER_REQUIRED": "The request was refused: please reload the page and try again.",
      "code.ROLE_FORBIDDEN": "You may not do this.",
      "code.FILTER_CONFLICT":
        "“Only those needing review” are the candidates recommended for review: it cannot be combined with another recommendation.",
      "code.MANAGER_NOT_FOUND": "This hiring manager was not found: please reload the page and choose again.",
      "code.NOT_SCORED": "This interview has no result yet, so this cannot be done now.",
      "code.other": (a) => (a.text ? `Something went wrong: ${a.text}` : "Something went wrong: please try again."),
    },
  };

  const ERROR_PAGES = ["ROLE_FORBIDDEN", "INTERVIEW_NOT_FOUND", "JOB_NOT_FOUND", "NOT_FOUND", "NETWORK"];
  const LOGIN_ERRORS = ["NOT_A_MEMBER", "LOGIN_EXPIRED", "WECOM_REFUSED", "SESSION_EXPIRED", "COGNITO_FAILED"];
  const COUNTS = ["invited", "started", "completed", "scored", "rejected", "failed"];
  const RECOMMENDATIONS = ["advance", "review", "decline"];
  const DECISIONS = ["advance", "hold", "decline"];
  const STATUSES = ["SCORED", "PROCESSING", "CREATED", "REJECTED", "FAILED"];
  const TENANT_KEY = "jiping.hr.tenant";
  const POOL_PAGE = 20;
  const SVG_NS = "http://www.w3.org/2000/svg";

  // ---- state ------------------------------------------------------------------------------------------------

  const state = {
    lang: "zh",
    langForced: false,
    me: null,
    gen: 0, // bumped on every navigation: a late answer for an old page renders nothing
    onResize: null,
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

  // A translated text that follows the language toggle; args may hold message keys under "$key" values.
  function tx(el, key, args) {
    el.dataset.i18n = key;
    if (args) el.dataset.i18nArgs = JSON.stringify(args);
    else delete el.dataset.i18nArgs;
    el.textContent = t(key, resolveArgs(args));
    return el;
  }

  // {rec: {$: "rec.advance"}} -> {rec: "建议进入下一轮"}: nested translations inside a message's arguments
  function resolveArgs(args) {
    if (!args) return args;
    const out = {};
    for (const [k, v] of Object.entries(args)) {
      if (v && typeof v === "object" && typeof v.$ === "string") out[k] = t(v.$, v.args);
      else if (v && typeof v === "object" && typeof v.date === "string") out[k] = fmtDate(v.date);
      else out[k] = v;
    }
    return out;
  }

  function retranslate() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("doc.title");
    for (const el of document.querySelectorAll("[data-i18n]")) {
      const args = el.dataset.i18nArgs ? JSON.parse(el.dataset.i18nArgs) : undefined;
      el.textContent = t(el.dataset.i18n, resolveArgs(args));
    }
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    }
    for (const el of document.querySelectorAll("[data-i18n-label]")) {
      const args = el.dataset.i18nLabelArgs ? JSON.parse(el.dataset.i18nLabelArgs) : undefined;
      el.setAttribute("aria-label", t(el.dataset.i18nLabel, resolveArgs(args)));
    }
    if (state.onResize) state.onResize(); // the chart's labels
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
      } else if (k === "label") {
        const [key, args] = Array.isArray(v) ? v : [v, undefined];
        el.dataset.i18nLabel = key;
        if (args) el.dataset.i18nLabelArgs = JSON.stringify(args);
        el.setAttribute("aria-label", t(key, resolveArgs(args)));
      } else if (k === "dataset") Object.assign(el.dataset, v);
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, String(v));
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null) continue;
      if (k === "text") el.textContent = v;
      else if (k === "i18n") tx(el, v[0], v[1]);
      else el.setAttribute(k, String(v));
    }
    for (const c of children) if (c) el.append(c);
    return el;
  }

  function button(id, key, onClick, kind = "primary", args) {
    return h("button", { type: "button", id, class: `btn ${kind}`, i18n: [key, args], on: { click: onClick } });
  }

  // An in-app link: pushState, no reload. The language chosen stays in the address.
  function link(path, attrs, ...children) {
    return h("a", { ...attrs, href: withLang(path), "data-nav": "" }, ...children);
  }

  function withLang(path) {
    if (!state.langForced) return path;
    const url = new URL(path, location.origin);
    url.searchParams.set("lang", state.lang);
    return url.pathname + url.search;
  }

  function screen(name, content, { keepScroll = false, wide = false } = {}) {
    state.onResize = null;
    const y = window.scrollY;
    const root = h("section", { class: `screen${wide ? " wide" : ""}`, "data-screen": name }, ...content);
    document.getElementById("app").replaceChildren(root);
    if (keepScroll) window.scrollTo(0, y);
    else {
      window.scrollTo(0, 0);
      const heading = root.querySelector("h1");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus({ preventScroll: true });
      }
    }
    return root;
  }

  function showLoading(key = "loading") {
    screen("loading", [
      h(
        "div",
        { class: "center" },
        h("div", { class: "spinner", "aria-hidden": "true" }),
        h("p", { class: "muted", i18n: key }),
      ),
    ]);
  }

  function message(el, err, okKey, okArgs) {
    if (!err && !okKey) {
      el.hidden = true;
      el.textContent = "";
      delete el.dataset.i18n;
      return;
    }
    el.classList.toggle("ok", !err);
    if (err) {
      const known = has(`code.${err.code}`);
      tx(el, known ? `code.${err.code}` : "code.other", { text: err.message || err.code });
      el.dataset.code = err.code;
    } else {
      tx(el, okKey, okArgs);
      delete el.dataset.code;
    }
    el.hidden = false;
  }

  // ---- formatting -------------------------------------------------------------------------------------------

  function locale() {
    return state.lang === "zh" ? "zh-CN" : "en-GB";
  }

  function num(value, digits = 1) {
    if (typeof value !== "number" || !Number.isFinite(value)) return "—";
    return value.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function clock(seconds) {
    const v = Math.max(0, Math.floor(Number(seconds) || 0));
    return `${Math.floor(v / 60)}:${String(v % 60).padStart(2, "0")}`;
  }

  function fmtDate(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso || "");
    return new Intl.DateTimeFormat(locale(), {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(d);
  }

  function decisionOf(d) {
    if (!d) return null;
    return typeof d === "string" ? d : d.decision || null;
  }

  function roleKey(role) {
    return role === "manager" ? "role.manager" : "role.hr";
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

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && method !== "HEAD") headers["X-Jiping-Workspace"] = "1"; // the CSRF guard
    let res;
    try {
      res = await fetch(`/v1/workspace/${path}`, {
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
    if (res.status !== 204) {
      try {
        data = await res.json();
      } catch {
        data = null;
      }
    }
    if (!res.ok) {
      const e = data && typeof data === "object" ? data.error : null;
      const code = e && typeof e.code === "string" ? e.code : `HTTP_${res.status}`;
      const err = new ApiError(code, res.status, e && typeof e.message === "string" ? e.message : "");
      if (res.status === 401 && path !== "sessions/cognito") {
        err.handled = true;
        toLogin(code);
      }
      throw err;
    }
    return data;
  }

  function isWeCom() {
    return /wxwork/i.test(navigator.userAgent);
  }

  function storedTenant() {
    try {
      return localStorage.getItem(TENANT_KEY) || "";
    } catch {
      return "";
    }
  }

  function rememberTenant(tenant) {
    try {
      if (tenant) localStorage.setItem(TENANT_KEY, tenant);
    } catch {
      // private mode: the login asks again
    }
  }

  // A place on /hr/ to come back to after the login; anything else is the start page.
  function safeNext(next) {
    if (typeof next !== "string" || !next.startsWith("/hr") || next.startsWith("/hr/login")) return "/hr/";
    if (next.startsWith("//") || next.includes("\\") || !(next === "/hr" || /^\/hr[/?]/.test(next))) return "/hr/";
    return next;
  }

  function tenantIn(path) {
    try {
      return new URL(path, location.origin).searchParams.get("t") || "";
    } catch {
      return "";
    }
  }

  // Any 401: the login, coming back here afterwards (the address's ?t= kept in next and on the login's address).
  function toLogin(code) {
    if (parseRoute().name === "login") return;
    const here = location.pathname + location.search;
    const q = new URLSearchParams();
    q.set("next", here);
    const tenant = tenantIn(here);
    if (tenant) q.set("t", tenant);
    if (state.langForced) q.set("lang", state.lang);
    if (code === "SESSION_EXPIRED") q.set("error", code);
    state.me = null;
    history.replaceState(null, "", `/hr/login?${q}`);
    render();
  }

  function wecomLogin(tenant, next) {
    const q = new URLSearchParams({ tenant, next });
    location.assign(`/v1/workspace/login/wecom?${q}`);
  }

  // ---- routing ----------------------------------------------------------------------------------------------

  function parseRoute() {
    const parts = location.pathname.split("/").filter(Boolean);
    if (parts[0] !== "hr") return { name: "notfound" };
    let rest;
    try {
      rest = parts.slice(1).map(decodeURIComponent);
    } catch {
      return { name: "notfound" };
    }
    if (rest.length === 0) return { name: "home" };
    if (rest.length === 1 && rest[0] === "login") return { name: "login" };
    if (rest.length === 2 && rest[0] === "jobs") return { name: "job", id: rest[1] };
    if (rest.length === 2 && rest[0] === "interviews") return { name: "report", id: rest[1] };
    if (rest.length === 3 && rest[0] === "interviews" && rest[2] === "outline") return { name: "outline", id: rest[1] };
    return { name: "notfound" };
  }

  function navigate(path) {
    history.pushState(null, "", path);
    render();
  }

  async function render() {
    const gen = ++state.gen;
    const route = parseRoute();
    if (route.name === "login") {
      updateWho();
      showLogin(gen);
      return;
    }
    if (!state.me) {
      showLoading();
      try {
        state.me = await api("GET", "me");
      } catch (err) {
        if (!err.handled && gen === state.gen) showError(err);
        return;
      }
      rememberTenant(state.me.tenant_id);
      updateWho();
    }
    if (gen !== state.gen) return;
    if (route.name === "home") await (state.me.role === "manager" ? showPushed(gen) : showJobs(gen));
    else if (route.name === "job") await showJob(gen, route.id);
    else if (route.name === "report") await showReport(gen, route.id);
    else if (route.name === "outline") await showOutline(gen, route.id);
    else showError(new ApiError("NOT_FOUND", 404, ""));
  }

  // Loads for the current page; null when the page was left meanwhile or the error is shown.
  async function load(gen, method, path) {
    try {
      const data = await api(method, path);
      return gen === state.gen ? data : null;
    } catch (err) {
      if (!err.handled && gen === state.gen) showError(err);
      return null;
    }
  }

  function updateWho() {
    const who = document.getElementById("who");
    const logout = document.getElementById("logout");
    if (state.me) {
      tx(who, "who", { name: state.me.name || state.me.user_id, role: { $: roleKey(state.me.role) } });
      who.hidden = false;
      logout.hidden = false;
    } else {
      who.hidden = true;
      logout.hidden = true;
    }
  }

  function showError(err) {
    const code = err instanceof ApiError ? err.code : "GENERIC";
    const page = ERROR_PAGES.includes(code) ? code : "GENERIC";
    const retry = page === "NETWORK" || page === "GENERIC";
    screen("error", [
      h(
        "div",
        { class: "card notice", dataset: { code } },
        h("h1", { i18n: `error.${page}.title` }),
        h("p", { i18n: `error.${page}.body` }),
        h(
          "div",
          { class: "row" },
          retry ? button("retry", "error.retry", () => render()) : null,
          link("/hr/", { class: "btn secondary", i18n: "error.home" }),
        ),
      ),
    ]);
  }

  // ---- login ------------------------------------------------------------------------------------------------

  async function showLogin(gen) {
    const params = new URLSearchParams(location.search);
    const error = params.get("error");
    const next = safeNext(params.get("next"));
    let tenant = params.get("t") || tenantIn(next) || storedTenant();
    if (isWeCom() && tenant && (!error || error === "SESSION_EXPIRED")) {
      // Inside WeCom the login is silent: straight to its authorize page and back.
      showLoading("login.redirecting");
      wecomLogin(tenant, next);
      return;
    }

    const msg = h("p", { class: "message", role: "alert", id: "login-message", hidden: true });
    if (error) {
      if (LOGIN_ERRORS.includes(error)) tx(msg, `login.error.${error}`);
      else tx(msg, "login.error.other", { code: error.slice(0, 40) });
      msg.dataset.code = error;
      msg.hidden = false;
    }
    const input = h("input", {
      id: "tenant",
      type: "text",
      autocomplete: "organization",
      autocapitalize: "none",
      spellcheck: "false",
      maxlength: "64",
      "aria-describedby": "tenant-hint",
    });
    input.value = tenant;
    const field = h(
      "div",
      { class: "field", id: "tenant-field", hidden: Boolean(tenant) },
      h("label", { for: "tenant", class: "label", i18n: "login.tenant" }),
      input,
      h("p", { id: "tenant-hint", class: "muted small", i18n: "login.tenantHint" }),
    );
    const known = h(
      "p",
      { id: "tenant-known", class: "muted", hidden: !tenant },
      h("span", { i18n: ["login.tenantKnown", { tenant }] }),
      " ",
      h("button", {
        type: "button",
        class: "link-btn",
        id: "tenant-change",
        i18n: "login.tenantChange",
        on: {
          click: () => {
            field.hidden = false;
            known.hidden = true;
            input.focus();
          },
        },
      }),
    );
    const wecom = button("login-wecom", "login.wecom", () => {
      tenant = input.value.trim();
      if (!tenant) {
        tx(msg, "login.tenantMissing");
        msg.hidden = false;
        field.hidden = false;
        input.focus();
        return;
      }
      wecomLogin(tenant, next);
    });
    const buttons = h("div", { class: "stack", id: "login-buttons" }, wecom);
    screen("login", [
      h(
        "div",
        { class: "card narrow" },
        h("h1", { i18n: "login.title" }),
        h("p", { i18n: "login.intro" }),
        msg,
        known,
        field,
        buttons,
      ),
    ]);
    let config = null;
    try {
      config = await api("GET", "config");
    } catch {
      config = null; // no Cognito button; WeCom still works
    }
    if (gen !== state.gen || !config) return;
    if (Array.isArray(config.logins) && !config.logins.includes("wecom")) wecom.hidden = true; // not set up here
    const cognito = config.cognito;
    if (cognito)
      buttons.append(button("login-cognito", "login.cognito", () => startCognito(next), "secondary"));
  }

  // The Cognito hosted UI: the server sends the browser there (authorization code with PKCE) and exchanges the
  // code itself on the way back, so the page never holds a token.
  function startCognito(next) {
    location.assign(`/v1/workspace/login/cognito?${new URLSearchParams({ next })}`);
  }

  async function logout() {
    try {
      await api("POST", "logout");
    } catch {
      // the cookie may be gone already
    }
    state.me = null;
    updateWho();
    navigate(withLang("/hr/login"));
  }

  // ---- HR: the jobs -----------------------------------------------------------------------------------------

  function passRate(job) {
    if (job.pass_rate === null || job.pass_rate === undefined) return h("p", { class: "pass none", i18n: "pass.none" });
    return h(
      "div",
      { class: "pass" },
      h("span", { class: "pass-label", i18n: "pass.label" }),
      h("strong", { class: "pass-value", i18n: ["pass.value", { p: Math.round(job.pass_rate * 100) }] }),
      h("span", { class: "muted small", i18n: ["pass.detail", { passed: job.passed, scored: job.counts.scored }] }),
    );
  }

  function countList(counts, cls = "counts") {
    return h(
      "dl",
      { class: cls },
      ...COUNTS.map((k) =>
        h(
          "div",
          { class: `count count-${k}`, dataset: { count: k } },
          h("dt", { i18n: `count.${k}` }),
          h("dd", {
            class: (k === "rejected" || k === "failed") && counts[k] > 0 ? "follow-up" : null,
            text: String(counts[k] ?? 0),
          }),
        ),
      ),
    );
  }

  async function showJobs(gen) {
    showLoading();
    const jobs = await load(gen, "GET", "jobs");
    if (!jobs) return;
    screen(
      "jobs",
      [
        h("h1", { i18n: "home.jobs" }),
        h("p", { class: "muted", i18n: "home.jobsIntro" }),
        jobs.length === 0 ? h("p", { class: "card", i18n: "home.noJobs" }) : null,
        h(
          "ul",
          { class: "cards", id: "jobs" },
          ...jobs.map((job) =>
            h(
              "li",
              { class: "card job", dataset: { job: job.job_id } },
              h("h2", {}, link(`/hr/jobs/${encodeURIComponent(job.job_id)}`, { class: "job-title", text: job.title })),
              h("p", { class: "muted small", i18n: ["job.version", { v: job.version }] }),
              countList(job.counts),
              passRate(job),
              link(`/hr/jobs/${encodeURIComponent(job.job_id)}`, { class: "btn secondary", i18n: "job.open" }),
            ),
          ),
        ),
      ],
      { wide: true },
    );
  }

  // ---- HR: one job ------------------------------------------------------------------------------------------

  function funnel(counts) {
    const top = Math.max(1, counts.invited || 0);
    return h(
      "div",
      { class: "funnel", id: "funnel" },
      ...COUNTS.map((k) => {
        const n = counts[k] ?? 0;
        const fill = h("span", { class: `bar-fill fill-${k}` });
        fill.style.width = `${Math.min(100, (n / top) * 100)}%`;
        return h(
          "div",
          { class: "bar-row", dataset: { count: k } },
          h("span", { class: "bar-label", i18n: `count.${k}` }),
          h("span", { class: "bar-track" }, fill),
          h("span", { class: "bar-value", i18n: ["count.people", { n }] }),
        );
      }),
    );
  }

  // The overall scores in 10 bins: an SVG drawn at the container's own width, so its text stays readable.
  function drawDistribution(box, bins) {
    const width = Math.max(280, Math.min(760, box.clientWidth || 320));
    const height = 240;
    const pad = { l: 34, r: 16, t: 28, b: 46 };
    const plotW = width - pad.l - pad.r;
    const plotH = height - pad.t - pad.b;
    const counts = bins.map((b) => Number(b.count) || 0);
    const max = Math.max(1, ...counts);
    const step = Math.max(1, Math.ceil(max / 4));
    const top = step * Math.ceil(max / step);
    const bw = plotW / bins.length;
    const y = (v) => pad.t + plotH - (v / top) * plotH;
    const text = bins.map((b) => t("job.binTitle", { from: b.from, to: b.to, n: b.count })).join("；");
    const svg = s("svg", {
      class: "chart",
      id: "distribution-chart",
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: "img",
      "aria-label": t("job.distributionLabel", { text }),
    });
    for (let v = 0; v <= top; v += step) {
      svg.append(s("line", { class: "grid", x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v) }));
      svg.append(s("text", { class: "tick", x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", text: String(v) }));
    }
    bins.forEach((b, i) => {
      const n = counts[i];
      const x = pad.l + i * bw;
      const barH = (n / top) * plotH;
      svg.append(
        s(
          "rect",
          {
            class: "bar",
            x: x + bw * 0.12,
            y: y(n),
            width: bw * 0.76,
            height: barH,
            rx: 2,
            "data-count": n,
            "data-from": b.from,
            "data-to": b.to,
          },
          s("title", { text: t("job.binTitle", { from: b.from, to: b.to, n }) }),
        ),
      );
      if (n > 0)
        svg.append(
          s("text", { class: "count-label", x: x + bw / 2, y: y(n) - 5, "text-anchor": "middle", text: String(n) }),
        );
      svg.append(s("text", { class: "tick", x, y: pad.t + plotH + 16, "text-anchor": "middle", text: String(b.from) }));
    });
    const last = bins[bins.length - 1];
    if (last)
      svg.append(
        s("text", {
          class: "tick",
          x: pad.l + plotW,
          y: pad.t + plotH + 16,
          "text-anchor": "middle",
          text: String(last.to),
        }),
      );
    svg.append(s("line", { class: "axis", x1: pad.l, x2: width - pad.r, y1: pad.t + plotH, y2: pad.t + plotH }));
    svg.append(
      s("text", {
        class: "axis-title",
        x: pad.l + plotW / 2,
        y: height - 6,
        "text-anchor": "middle",
        text: t("job.axisScore"),
      }),
    );
    svg.append(s("text", { class: "axis-title", x: 2, y: 12, text: t("job.axisPeople") }));
    box.replaceChildren(svg);
  }

  function competencyBars(list) {
    return h(
      "div",
      { class: "bars", id: "competency-means" },
      ...list.map((c) => {
        const fill = h("span", { class: "bar-fill" });
        fill.style.width = `${Math.max(0, Math.min(100, Number(c.mean) || 0))}%`;
        return h(
          "div",
          { class: "bar-row", dataset: { competency: c.id } },
          h("span", { class: "bar-label", text: c.name }),
          h("span", { class: "bar-track" }, fill),
          h("span", { class: "bar-value", i18n: ["job.competencyMean", { mean: num(c.mean), n: c.n }] }),
        );
      }),
    );
  }

  function recommendationCounts(recs) {
    return h(
      "ul",
      { class: "rec-counts", id: "recommendations" },
      ...RECOMMENDATIONS.map((r) =>
        h(
          "li",
          { class: `rec-count rec-${r}`, dataset: { rec: r } },
          h("strong", { text: String(recs[r] ?? 0) }),
          h("span", { i18n: `rec.${r}` }),
        ),
      ),
    );
  }

  function recTag(rec) {
    const r = RECOMMENDATIONS.includes(rec) ? rec : null;
    return h("span", { class: `tag rec-${r || "none"}`, i18n: r ? `rec.${r}` : "rec.none" });
  }

  async function showJob(gen, jobId) {
    showLoading();
    const path = `jobs/${encodeURIComponent(jobId)}`;
    const [job, managers] = await Promise.all([load(gen, "GET", path), api("GET", "managers").catch(() => [])]);
    if (!job) return;
    const chart = h("div", { class: "chart-box", id: "distribution" });
    const pool = poolSection(job, Array.isArray(managers) ? managers : []);
    screen(
      "job",
      [
        h("p", { class: "crumbs" }, link("/hr/", { i18n: "home.jobs" })),
        h("h1", { text: job.title }),
        h("p", { class: "muted small", i18n: ["job.version", { v: job.version }] }),
        h(
          "div",
          { class: "grid2" },
          h(
            "section",
            { class: "card" },
            h("h2", { i18n: "job.funnel" }),
            funnel(job.counts),
            h("p", { class: "muted small", i18n: "job.funnelNote" }),
            passRate(job),
          ),
          h(
            "section",
            { class: "card" },
            h("h2", { i18n: "job.distribution" }),
            chart,
            h("p", { class: "muted small", i18n: "job.distributionNote" }),
          ),
          h(
            "section",
            { class: "card" },
            h("h2", { i18n: "job.competencies" }),
            competencyBars(job.competencies || []),
          ),
          h(
            "section",
            { class: "card" },
            h("h2", { i18n: "job.recommendations" }),
            recommendationCounts(job.recommendations || {}),
          ),
        ),
        pool.section,
      ],
      { wide: true },
    );
    const bins = job.distribution || [];
    state.onResize = () => drawDistribution(chart, bins);
    state.onResize();
    await pool.load(true);
  }

  // The talent pool: filters, the ranked table (cards on a phone), "more", CSV links and the push.
  function poolSection(job, managers) {
    const jobPath = `jobs/${encodeURIComponent(job.job_id)}`;
    let cursor = null;
    let shown = 0;

    const status = h(
      "select",
      { id: "f-status" },
      h("option", { value: "", i18n: "pool.any" }),
      ...STATUSES.map((st) => h("option", { value: st, i18n: `status.${st}` })),
    );
    const rec = h(
      "select",
      { id: "f-rec" },
      h("option", { value: "", i18n: "pool.any" }),
      ...RECOMMENDATIONS.map((r) => h("option", { value: r, i18n: `rec.${r}` })),
    );
    const min = h("input", { id: "f-min", type: "number", min: "0", max: "100", step: "1", inputmode: "numeric" });
    const max = h("input", { id: "f-max", type: "number", min: "0", max: "100", step: "1", inputmode: "numeric" });
    const review = h("input", { id: "f-review", type: "checkbox" });
    const csv = h("a", { id: "pool-csv", class: "btn link", download: "", i18n: "pool.csv" });
    const results = h("a", {
      id: "results-csv",
      class: "btn link",
      download: "",
      href: `/v1/workspace/${jobPath}/results.csv`,
      i18n: "pool.resultsCsv",
    });
    const filters = h(
      "form",
      {
        class: "filters",
        id: "pool-filters",
        on: {
          submit: (e) => {
            e.preventDefault();
            load(true);
          },
        },
      },
      h("label", { class: "field" }, h("span", { class: "label", i18n: "pool.status" }), status),
      h("label", { class: "field" }, h("span", { class: "label", i18n: "pool.recommendation" }), rec),
      h("label", { class: "field small-field" }, h("span", { class: "label", i18n: "pool.minScore" }), min),
      h("label", { class: "field small-field" }, h("span", { class: "label", i18n: "pool.maxScore" }), max),
      h("label", { class: "check" }, review, h("span", { i18n: "pool.review" })),
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", id: "f-apply", class: "btn primary", i18n: "pool.apply" }),
        button(
          "f-reset",
          "pool.reset",
          () => {
            filters.reset();
            load(true);
          },
          "secondary",
        ),
      ),
    );

    const head = h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...[
          "pool.rank",
          "pool.candidate",
          "pool.score",
          "pool.level",
          "pool.rec",
          "pool.reviewNeeded",
          "pool.pushedTo",
          "pool.decision",
        ].map((k) => h("th", { scope: "col", i18n: k })),
      ),
    );
    const body = h("tbody", { id: "pool-rows" });
    const table = h("table", { class: "pool", id: "pool" }, head, body);
    const empty = h("p", { class: "muted", id: "pool-empty", i18n: "pool.empty", hidden: true });
    const count = h("p", { class: "muted small", id: "pool-count" });
    const more = button("pool-more", "pool.more", () => load(false), "secondary");
    more.hidden = true;
    const msg = h("p", { class: "message", role: "alert", id: "pool-message", hidden: true });

    function query() {
      const q = new URLSearchParams();
      if (status.value) q.set("status", status.value);
      if (rec.value) q.set("recommendation", rec.value);
      if (min.value !== "") q.set("min_score", min.value);
      if (max.value !== "") q.set("max_score", max.value);
      if (review.checked) q.set("review", "1");
      return { filters: q.toString() };
    }

    // Each cell carries its column's name, shown only on a phone, where the table becomes cards.
    function cell(key, ...children) {
      return h("td", { dataset: { col: key.slice(5) } }, h("span", { class: "cell-label", i18n: key }), ...children);
    }

    function quiet(td, empty) {
      if (empty) td.classList.add("empty"); // nothing to say: left out of a phone's card
      return td;
    }

    function row(e) {
      const pushed = (e.pushed_to || []).map((p) => p.name || p.user_id).join("、");
      const decision = decisionOf(e.decision);
      const tr = h(
        "tr",
        { dataset: { interview: e.interview_id } },
        cell("pool.rank", h("span", { class: "rank", text: `#${e.rank}` })),
        cell(
          "pool.candidate",
          link(`/hr/interviews/${encodeURIComponent(e.interview_id)}`, { class: "cand", text: e.candidate_ref }),
        ),
        cell(
          "pool.score",
          typeof e.overall_score === "number"
            ? h("span", { class: "score", i18n: ["pool.scoreValue", { s: num(e.overall_score) }] })
            : h("span", { class: "muted", i18n: `status.${STATUSES.includes(e.status) ? e.status : "PROCESSING"}` }),
        ),
        cell(
          "pool.level",
          e.level ? h("span", { i18n: ["pool.levelValue", { l: e.level }] }) : h("span", { text: "—" }),
        ),
        cell("pool.rec", recTag(e.recommendation)),
        quiet(
          cell(
            "pool.reviewNeeded",
            e.review_needed
              ? h("span", { class: "tag warn", i18n: "pool.yes" })
              : h("span", { class: "muted", i18n: "pool.no" }),
          ),
          !e.review_needed,
        ),
        quiet(
          cell(
            "pool.pushedTo",
            pushed ? h("span", { text: pushed }) : h("span", { class: "muted", i18n: "pool.nobody" }),
          ),
          !pushed,
        ),
        quiet(
          cell(
            "pool.decision",
            decision
              ? h("span", { class: `tag dec-${decision}`, i18n: `decision.${decision}` })
              : h("span", { class: "muted", i18n: "decision.none" }),
          ),
          !decision,
        ),
      );
      return tr;
    }

    async function load(reset) {
      const q = query();
      const params = new URLSearchParams(q.filters);
      params.set("limit", String(POOL_PAGE));
      if (!reset && cursor) params.set("cursor", cursor);
      csv.href = `/v1/workspace/${jobPath}/pool.csv${q.filters ? `?${q.filters}` : ""}`;
      more.disabled = true;
      message(msg, null);
      let page;
      try {
        page = await api("GET", `${jobPath}/pool?${params}`);
      } catch (err) {
        if (!err.handled) message(msg, err);
        more.disabled = false;
        return;
      }
      if (reset) {
        body.replaceChildren();
        shown = 0;
      }
      for (const e of page.items || []) body.append(row(e));
      shown += (page.items || []).length;
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      more.disabled = false;
      empty.hidden = shown > 0;
      table.hidden = shown === 0;
      tx(count, "pool.shown", { n: shown });
    }

    const section = h(
      "section",
      { class: "card", id: "pool-section" },
      h("h2", { i18n: "pool.title" }),
      h("p", { class: "muted small", i18n: "pool.intro" }),
      pushPanel(job, managers, () => load(true)),
      // open on a desktop; on a phone the filters wait behind their summary, the candidates come first
      h(
        "details",
        { class: "filters-box", open: window.matchMedia("(min-width: 720px)").matches },
        h("summary", { i18n: "pool.filters" }),
        filters,
      ),
      h("div", { class: "exports" }, csv, results),
      msg,
      count,
      table,
      empty,
      more,
    );
    return { section, load };
  }

  function managerSelect(id, managers) {
    return h(
      "select",
      { id },
      h("option", { value: "", i18n: "push.choose" }),
      ...managers.map((m) => h("option", { value: m.user_id, text: m.name || m.user_id })),
    );
  }

  function pushResult(el, res) {
    const card = (res && res.card) || {};
    const parts = [
      ["push.result", { n: (res.pushed || []).length }],
      (res.already || []).length ? ["push.already", { n: res.already.length }] : null,
      card.status === "sent" ? ["push.card.sent"] : null,
      card.status === "skipped" ? ["push.card.skipped", { reason: card.reason || "" }] : null,
      card.status === "failed" ? ["push.card.failed", { reason: card.reason || "" }] : null,
    ].filter(Boolean);
    el.replaceChildren(...parts.map(([k, a]) => h("span", { i18n: [k, a] })));
    el.dataset.card = card.status || "";
    el.classList.toggle("warn", card.status === "failed");
    el.hidden = false;
  }

  function pushPanel(job, managers, reload) {
    const percent = h("input", {
      id: "push-percent",
      type: "number",
      min: "1",
      max: "100",
      step: "1",
      value: "30",
      inputmode: "numeric",
    });
    const manager = managerSelect("push-manager", managers);
    const submit = h("button", {
      type: "submit",
      id: "push-submit",
      class: "btn primary",
      i18n: ["push.submit", { n: 30 }],
    });
    const result = h("p", { class: "result-box", id: "push-result", role: "status", hidden: true });
    const msg = h("p", { class: "message", role: "alert", id: "push-message", hidden: true });
    percent.addEventListener("input", () => {
      const n = Number(percent.value);
      if (Number.isInteger(n) && n >= 1 && n <= 100) tx(submit, "push.submit", { n });
    });
    const form = h(
      "form",
      { class: "push", id: "push-form", on: { submit: onSubmit } },
      h("h3", { i18n: "push.title" }),
      h("p", { class: "muted small", i18n: "push.intro" }),
      managers.length === 0 ? h("p", { class: "muted small", i18n: "push.noManagers" }) : null,
      h(
        "div",
        { class: "push-fields" },
        h(
          "label",
          { class: "field small-field" },
          h("span", { class: "label", i18n: "push.percent" }),
          h("span", { class: "inline" }, percent, h("span", { i18n: "push.percentUnit" })),
        ),
        h("label", { class: "field" }, h("span", { class: "label", i18n: "push.manager" }), manager),
      ),
      submit,
      msg,
      result,
    );

    async function onSubmit(e) {
      e.preventDefault();
      message(msg, null);
      const n = Number(percent.value);
      if (!Number.isInteger(n) || n < 1 || n > 100) {
        tx(msg, "push.badPercent");
        msg.hidden = false;
        return;
      }
      if (!manager.value) {
        tx(msg, "push.needManager");
        msg.hidden = false;
        return;
      }
      submit.disabled = true;
      try {
        const res = await api("POST", `jobs/${encodeURIComponent(job.job_id)}/push`, {
          manager: manager.value,
          top_percent: n,
        });
        pushResult(result, res);
        reload();
      } catch (err) {
        if (!err.handled) message(msg, err);
      } finally {
        submit.disabled = false;
      }
    }
    return form;
  }

  // ---- manager: the candidates pushed to me -----------------------------------------------------------------

  async function showPushed(gen) {
    showLoading();
    const data = await load(gen, "GET", "pushed");
    if (!data) return;
    const items = data.items || [];
    screen(
      "pushed",
      [
        h("h1", { i18n: "home.pushed" }),
        h("p", { class: "muted", i18n: "home.pushedIntro" }),
        items.length === 0 ? h("p", { class: "card", i18n: "home.noPushed" }) : null,
        h(
          "ul",
          { class: "cards", id: "pushed" },
          ...items.map((e) => {
            const decision = decisionOf(e.decision);
            const href = `/hr/interviews/${encodeURIComponent(e.interview_id)}`;
            return h(
              "li",
              { class: "card pushed-item", dataset: { interview: e.interview_id } },
              h("h2", {}, link(href, { class: "cand", text: e.candidate_ref })),
              h("p", { class: "muted small", text: e.job_title || "" }),
              h(
                "div",
                { class: "facts" },
                typeof e.overall_score === "number"
                  ? h(
                      "span",
                      { class: "fact" },
                      h("span", { class: "muted", i18n: "report.overall" }),
                      " ",
                      h("strong", { i18n: ["report.overallValue", { s: num(e.overall_score) }] }),
                    )
                  : null,
                e.level
                  ? h(
                      "span",
                      { class: "fact" },
                      h("span", { class: "muted", i18n: "report.level" }),
                      " ",
                      h("strong", { i18n: ["report.levelValue", { l: e.level }] }),
                    )
                  : null,
              ),
              h(
                "p",
                { class: "labelled" },
                h("span", { class: "muted", i18n: "pool.rec" }),
                recTag(e.recommendation),
                e.review_needed ? h("span", { class: "tag warn", i18n: "report.reviewTitle" }) : null,
              ),
              h(
                "p",
                { class: "labelled" },
                h("span", { class: "muted", i18n: "pool.decision" }),
                decision
                  ? h("span", { class: `tag dec-${decision}`, i18n: `decision.${decision}` })
                  : h("span", { i18n: "decision.none" }),
              ),
              e.pushed_by
                ? h("p", {
                    class: "muted small",
                    i18n: ["pushed.by", { name: e.pushed_by.name || e.pushed_by.user_id, at: { date: e.pushed_at } }],
                  })
                : null,
              e.note ? h("p", { class: "note", i18n: ["pushed.note", { note: e.note }] }) : null,
              link(href, { class: "btn secondary", i18n: "pushed.open" }),
            );
          }),
        ),
      ],
      { wide: true },
    );
  }

  // ---- the report -------------------------------------------------------------------------------------------

  async function showReport(gen, id) {
    showLoading();
    const view = await load(gen, "GET", `interviews/${encodeURIComponent(id)}`);
    if (!view) return;
    renderReport(view, false);
  }

  function renderReport(view, keepScroll) {
    const players = new Map(); // question_id -> <video>/<audio>
    const index = new Map((view.questions || []).map((q, i) => [q.question_id, i + 1]));
    const qNo = (qid) => index.get(qid) || qid;

    function seek(qid, start) {
      const player = players.get(qid);
      if (!player) return;
      player.scrollIntoView({ block: "center" });
      const at = Math.max(0, Number(start) || 0);
      const go = () => {
        player.currentTime = at;
        const p = player.play();
        if (p && p.catch) p.catch(() => {});
      };
      if (player.readyState >= 1) go();
      else {
        player.preload = "auto";
        player.addEventListener("loadedmetadata", go, { once: true });
        player.load();
        player.currentTime = at;
      }
    }

    const overall = view.overall || null;
    const rec = view.recommendation;
    const overridden = view.model_recommendation && view.model_recommendation !== rec;
    const back =
      view.viewer && view.viewer.role === "hr" && view.job_id
        ? link(`/hr/jobs/${encodeURIComponent(view.job_id)}`, { i18n: "report.backJob" })
        : link("/hr/", { i18n: "report.backHome" });

    const summary = h(
      "section",
      { class: "card summary", id: "summary" },
      overall && typeof overall.score === "number"
        ? h(
            "div",
            { class: "big-numbers" },
            h(
              "div",
              { class: "big", id: "overall-score" },
              h("span", { class: "big-label", i18n: "report.overall" }),
              h("strong", { i18n: ["report.overallValue", { s: num(overall.score) }] }),
            ),
            h(
              "div",
              { class: "big", id: "overall-level" },
              h("span", { class: "big-label", i18n: "report.level" }),
              h("strong", { i18n: ["report.levelValue", { l: overall.level }] }),
            ),
          )
        : h("p", { i18n: "report.noResult" }),
      rec
        ? h(
            "div",
            { class: "rec-line" },
            h("span", { class: "big-label", i18n: "report.recommendation" }),
            h("span", { id: "recommendation", class: `rec-big rec-${rec}`, i18n: `rec.${rec}` }),
          )
        : null,
      overridden
        ? h("p", {
            class: "muted small",
            id: "model-recommendation",
            i18n: ["report.modelRec", { rec: { $: `rec.${view.model_recommendation}` } }],
          })
        : null,
      h(
        "dl",
        { class: "meta" },
        h(
          "div",
          {},
          h("dt", { i18n: "report.status" }),
          h("dd", { i18n: `status.${STATUSES.includes(view.status) ? view.status : "PROCESSING"}` }),
        ),
        view.scored_at
          ? h(
              "div",
              {},
              h("dt", { i18n: "report.scoredAt" }),
              h("dd", { i18n: ["date", { d: { date: view.scored_at } }] }),
            )
          : null,
      ),
    );

    const review =
      view.review && view.review.needed
        ? h(
            "section",
            { class: "card review-box", id: "review", role: "note" },
            h("h2", { i18n: "report.reviewTitle" }),
            h("p", { i18n: "report.reviewIntro" }),
            h("ul", {}, ...(view.review.reasons || []).map((r) => h("li", { text: r }))),
          )
        : null;

    const comps = h(
      "section",
      { class: "card", id: "competencies" },
      h("h2", { i18n: "report.competencies" }),
      h("p", { class: "muted small", i18n: "report.competenciesIntro" }),
      ...(view.competencies || []).map((c) => competency(c)),
    );

    function quote(st) {
      const q = (view.questions || []).find((x) => x.question_id === st.question_id);
      const playable = q && q.media_url && (q.answer === "video" || q.answer === "audio");
      const where =
        q && q.answer === "text"
          ? ["report.quoteWritten", { q: qNo(st.question_id) }]
          : ["report.quoteAt", { q: qNo(st.question_id), t: clock(st.start) }];
      if (!playable) {
        return h(
          "blockquote",
          { class: "quote" },
          h("span", { class: "quote-text", text: `“${st.quote}”` }),
          h("span", { class: "quote-at", i18n: where }),
        );
      }
      return h(
        "button",
        {
          type: "button",
          class: "quote",
          dataset: { question: st.question_id, start: String(st.start ?? 0) },
          label: ["report.play", { q: qNo(st.question_id), t: clock(st.start) }],
          on: { click: () => seek(st.question_id, st.start) },
        },
        h("span", { class: "play", "aria-hidden": "true", text: "▶" }),
        h("span", { class: "quote-text", text: `“${st.quote}”` }),
        h("span", { class: "quote-at", i18n: where }),
      );
    }

    function competency(c) {
      const fill = h("span", { class: "bar-fill" });
      fill.style.width = `${Math.max(0, Math.min(100, Number(c.score) || 0))}%`;
      if (c.assessed === false) {
        return h(
          "article",
          { class: "comp", dataset: { competency: c.id } },
          h("h3", { text: c.name }),
          h("p", { class: "muted", i18n: "report.notAssessed" }),
        );
      }
      return h(
        "article",
        { class: "comp", dataset: { competency: c.id } },
        h(
          "div",
          { class: "comp-head" },
          h("h3", { text: c.name }),
          typeof c.weight === "number"
            ? h("span", { class: "muted small", i18n: ["report.weight", { w: Math.round(c.weight * 100) }] })
            : null,
        ),
        h(
          "div",
          { class: "comp-score" },
          h("strong", { class: "comp-level", i18n: ["report.compLevel", { l: c.level }] }),
          h("span", { class: "bar-track" }, fill),
          h("span", { class: "comp-points", i18n: ["report.compScore", { s: num(c.score) }] }),
        ),
        c.anchor
          ? h(
              "div",
              { class: "anchor" },
              h("span", { class: "anchor-label", i18n: ["report.anchor", { l: c.level }] }),
              h("p", { class: "anchor-text", text: c.anchor }),
            )
          : null,
        c.reason ? h("div", { class: "reason" }, h("h4", { i18n: "report.reason" }), h("p", { text: c.reason })) : null,
        (c.strengths || []).length
          ? h(
              "div",
              { class: "strengths" },
              h("h4", { i18n: "report.strengths" }),
              h(
                "ul",
                {},
                ...c.strengths.map((st) =>
                  h("li", {}, h("p", { class: "behaviour", text: st.text }), st.quote ? quote(st) : null),
                ),
              ),
            )
          : null,
        (c.gaps || []).length
          ? h(
              "div",
              { class: "gaps" },
              h("h4", { i18n: "report.gaps" }),
              h(
                "ul",
                {},
                ...c.gaps.map((g) =>
                  h(
                    "li",
                    {},
                    g.level ? h("span", { class: "tag", i18n: ["report.gapLevel", { l: g.level }] }) : null,
                    h("span", { text: g.text }),
                  ),
                ),
              ),
            )
          : null,
      );
    }

    const answers = h(
      "section",
      { class: "card", id: "answers" },
      h("h2", { i18n: "report.answers" }),
      ...(view.questions || []).map((q, i) => {
        let media = null;
        if ((q.answer === "video" || q.answer === "audio") && q.media_url) {
          media = h(q.answer === "video" ? "video" : "audio", {
            class: `player player-${q.answer}`,
            controls: true,
            preload: "metadata",
            playsinline: true,
            src: q.media_url,
            dataset: { question: q.question_id },
          });
          players.set(q.question_id, media);
        } else if (q.answer === "video" || q.answer === "audio")
          media = h("p", { class: "muted small", i18n: "report.noMedia" });
        return h(
          "article",
          { class: "answer", dataset: { question: q.question_id } },
          h("h3", { i18n: ["report.question", { i: i + 1 }] }),
          h("p", { class: "question-text", text: q.text || "" }),
          media,
          q.answer === "none" ? h("p", { class: "muted", i18n: "report.noAnswer" }) : null,
          q.answer === "text" && q.transcript
            ? h("div", { class: "written" }, h("h4", { i18n: "report.textAnswer" }), h("p", { text: q.transcript }))
            : null,
          q.answer !== "text" && q.transcript
            ? h(
                "details",
                { class: "transcript" },
                h("summary", { i18n: "report.transcript" }),
                h("p", { text: q.transcript }),
              )
            : null,
        );
      }),
    );

    const flags = view.flags || [];
    const flagsSection = h(
      "section",
      { class: "card", id: "flags" },
      h("h2", { i18n: "report.flags" }),
      flags.length === 0 ? h("p", { class: "muted", i18n: "report.flagsNone" }) : null,
      h(
        "ul",
        { class: "flags" },
        ...flags.map((f) =>
          h(
            "li",
            { class: "flag", dataset: { code: f.code } },
            h("span", { class: "flag-words", text: f.words || f.code }),
            f.question_id
              ? h("span", {
                  class: "muted small flag-where",
                  i18n: ["report.flagWhere", { q: qNo(f.question_id), from: clock(f.start), to: clock(f.end) }],
                })
              : null,
          ),
        ),
      ),
    );

    const raw = view.raw || [];
    const rawBox = h(
      "details",
      { class: "card raw", id: "raw" },
      h("summary", { i18n: "report.raw" }),
      h("p", { class: "muted small", i18n: "report.rawNote" }),
      raw.length
        ? h(
            "div",
            { class: "table-scroll" },
            h(
              "table",
              { class: "raw-table" },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  h("th", { i18n: "report.rawQuestion" }),
                  h("th", { i18n: "report.rawName" }),
                  h("th", { i18n: "report.rawValue" }),
                ),
              ),
              h(
                "tbody",
                {},
                ...raw.map((m) =>
                  h(
                    "tr",
                    {},
                    h("td", { i18n: ["report.question", { i: qNo(m.question_id) }] }),
                    h(
                      "td",
                      {},
                      h("span", { text: m.label || m.name }),
                      h("span", { class: "muted small code", text: ` ${m.name}` }),
                    ),
                    h(
                      "td",
                      m.missing
                        ? { i18n: ["report.rawMissing", { why: m.missing }] }
                        : {
                            text: `${typeof m.value === "number" ? m.value.toLocaleString(locale(), { maximumFractionDigits: 3 }) : String(m.value)}${m.unit ? ` ${m.unit}` : ""}`,
                          },
                    ),
                  ),
                ),
              ),
            ),
          )
        : null,
      view.versions
        ? h(
            "div",
            { class: "versions" },
            h("h4", { i18n: "report.versions" }),
            h(
              "dl",
              {},
              ...Object.entries(view.versions).map(([k, v]) =>
                h("div", {}, h("dt", { text: k }), h("dd", { class: "code", text: String(v) })),
              ),
            ),
          )
        : null,
    );

    const pushedTo = h(
      "section",
      { class: "card", id: "pushed-to" },
      h("h2", { i18n: "report.pushedTo" }),
      (view.pushed_to || []).length
        ? h(
            "ul",
            {},
            ...view.pushed_to.map((p) =>
              h("li", { i18n: ["report.pushedItem", { name: p.name || p.user_id, at: { date: p.at } }] }),
            ),
          )
        : h("p", { class: "muted", i18n: "report.pushedNobody" }),
      view.viewer && view.viewer.can_push ? pushOne(view) : null,
    );

    screen(
      "report",
      [
        h("p", { class: "crumbs" }, back),
        h("h1", { i18n: ["report.title", { ref: view.candidate_ref }] }),
        view.job_title ? h("p", { class: "muted", i18n: ["report.job", { title: view.job_title }] }) : null,
        summary,
        review,
        link(`/hr/interviews/${encodeURIComponent(view.interview_id)}/outline`, {
          class: "btn secondary outline-link",
          id: "outline-link",
          i18n: "report.outline",
        }),
        comps,
        answers,
        flagsSection,
        rawBox,
        decisionSection(view),
        view.viewer && view.viewer.can_override ? overrideSection(view) : null,
        pushedTo,
        commentsSection(view),
      ],
      { keepScroll },
    );
  }

  function pushOne(view) {
    const holder = h("div", { class: "push-one" });
    api("GET", "managers")
      .then((managers) => {
        if (!Array.isArray(managers) || managers.length === 0) return;
        const select = managerSelect("push-one-manager", managers);
        const result = h("p", { class: "result-box", id: "push-one-result", role: "status", hidden: true });
        const msg = h("p", { class: "message", role: "alert", hidden: true });
        const go = button(
          "push-one-submit",
          "push.one",
          async () => {
            if (!select.value) {
              tx(msg, "push.needManager");
              msg.hidden = false;
              return;
            }
            go.disabled = true;
            message(msg, null);
            try {
              const res = await api("POST", `jobs/${encodeURIComponent(view.job_id)}/push`, {
                manager: select.value,
                interview_ids: [view.interview_id],
              });
              pushResult(result, res);
            } catch (err) {
              if (!err.handled) message(msg, err);
            } finally {
              go.disabled = false;
            }
          },
          "secondary",
        );
        holder.append(
          h("label", { class: "field" }, h("span", { class: "label", i18n: "push.manager" }), select),
          go,
          msg,
          result,
        );
      })
      .catch(() => {});
    return holder;
  }

  function choiceGroup(name, values, prefix) {
    return h(
      "div",
      { class: "choices", role: "radiogroup" },
      ...values.map((v) =>
        h(
          "label",
          { class: "choice" },
          h("input", { type: "radio", name, value: v, id: `${name}-${v}` }),
          h("span", { i18n: `${prefix}.${v}` }),
        ),
      ),
    );
  }

  // A decision or an override: a choice, a reason, one POST that answers with the whole report again.
  function actionForm({
    id,
    name,
    values,
    prefix,
    chooseKey,
    reasonKey,
    placeholder,
    submitKey,
    savedKey,
    path,
    field,
    view,
  }) {
    const group = choiceGroup(name, values, prefix);
    const reason = h("textarea", { id: `${id}-reason`, rows: "3", maxlength: "1000", placeholder });
    const submit = h("button", {
      type: "submit",
      id: `${id}-submit`,
      class: "btn primary",
      i18n: submitKey,
      disabled: true,
    });
    const msg = h("p", { class: "message", role: "alert", id: `${id}-message`, hidden: true });
    const chosen = () => group.querySelector("input:checked");
    const check = () => {
      submit.disabled = !chosen() || reason.value.trim().length === 0;
    };
    group.addEventListener("change", check);
    reason.addEventListener("input", check);
    return h(
      "form",
      {
        class: "action",
        id,
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (submit.disabled) return;
            submit.disabled = true;
            message(msg, null);
            try {
              const updated = await api("POST", `interviews/${encodeURIComponent(view.interview_id)}/${path}`, {
                [field]: chosen().value,
                reason: reason.value.trim().slice(0, 1000),
              });
              renderReport(updated, true);
              const saved = document.getElementById(`${id}-message`);
              if (saved) message(saved, null, savedKey);
            } catch (err) {
              if (!err.handled) message(msg, err);
              check();
            }
          },
        },
      },
      h("fieldset", {}, h("legend", { class: "label", i18n: chooseKey }), group),
      h("label", { for: `${id}-reason`, class: "label", i18n: reasonKey }),
      reason,
      submit,
      msg,
    );
  }

  function decisionSection(view) {
    const d = view.decision;
    const current = decisionOf(d);
    return h(
      "section",
      { class: "card", id: "decision" },
      h("h2", { i18n: "decision.title" }),
      current
        ? h(
            "div",
            { class: "current-decision", id: "current-decision", dataset: { decision: current } },
            h("p", {}, h("strong", { i18n: ["decision.current", { decision: { $: `decision.${current}` } }] })),
            d && d.by
              ? h("p", {
                  class: "muted small",
                  i18n: [
                    "decision.by",
                    { name: d.by.name || d.by.user_id, role: { $: roleKey(d.by.role) }, at: { date: d.at } },
                  ],
                })
              : null,
            d && d.reason ? h("p", { class: "small", i18n: ["decision.reasonShown", { reason: d.reason }] }) : null,
          )
        : h("p", { class: "muted", i18n: "decision.none2" }),
      actionForm({
        id: "decision-form",
        name: "decision",
        values: DECISIONS,
        prefix: "decision",
        chooseKey: "decision.choose",
        reasonKey: "decision.reason",
        placeholder: "decision.reasonPlaceholder",
        submitKey: "decision.submit",
        savedKey: "decision.saved",
        path: "decision",
        field: "decision",
        view,
      }),
    );
  }

  function overrideSection(view) {
    return h(
      "section",
      { class: "card", id: "override" },
      h("h2", { i18n: "override.title" }),
      h("p", { class: "muted small", i18n: "override.intro" }),
      actionForm({
        id: "override-form",
        name: "override",
        values: RECOMMENDATIONS.filter((r) => r !== view.recommendation),
        prefix: "rec",
        chooseKey: "override.choose",
        reasonKey: "override.reason",
        placeholder: "override.reasonPlaceholder",
        submitKey: "override.submit",
        savedKey: "override.saved",
        path: "override",
        field: "recommendation",
        view,
      }),
    );
  }

  function commentItem(c) {
    const author = c.author || {};
    return h(
      "li",
      { class: "comment", dataset: { id: c.id || "" } },
      h("p", {
        class: "muted small comment-by",
        i18n: [
          "comments.by",
          { name: author.name || author.user_id || "", role: { $: roleKey(author.role) }, at: { date: c.at } },
        ],
      }),
      h("p", { class: "comment-text", text: c.text }),
    );
  }

  function commentsSection(view) {
    const list = h("ul", { class: "comments", id: "comments" }, ...(view.comments || []).map(commentItem));
    const none = h("p", {
      class: "muted",
      id: "comments-none",
      i18n: "comments.none",
      hidden: (view.comments || []).length > 0,
    });
    const area = h("textarea", {
      id: "comment-text",
      rows: "3",
      maxlength: "2000",
      placeholder: "comments.placeholder",
    });
    const submit = h("button", {
      type: "submit",
      id: "comment-submit",
      class: "btn primary",
      i18n: "comments.submit",
      disabled: true,
    });
    const msg = h("p", { class: "message", role: "alert", id: "comment-message", hidden: true });
    area.addEventListener("input", () => {
      submit.disabled = area.value.trim().length === 0;
    });
    const form = h(
      "form",
      {
        class: "action",
        id: "comment-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            const text = area.value.trim();
            if (!text) return;
            submit.disabled = true;
            message(msg, null);
            try {
              const comment = await api("POST", `interviews/${encodeURIComponent(view.interview_id)}/comments`, {
                text,
              });
              view.comments = [...(view.comments || []), comment];
              list.append(commentItem(comment));
              none.hidden = true;
              area.value = "";
            } catch (err) {
              if (!err.handled) message(msg, err);
              submit.disabled = false;
            }
          },
        },
      },
      h("label", { for: "comment-text", class: "label", i18n: "comments.label" }),
      area,
      submit,
      msg,
    );
    return h(
      "section",
      { class: "card", id: "comments-section" },
      h("h2", { i18n: "comments.title" }),
      none,
      list,
      form,
    );
  }

  // ---- the outline ------------------------------------------------------------------------------------------

  // "题库：q3" -> "q3", "评估缺口：等级 3" -> "等级 3", "简历第 4 行" -> "第 4 行": the detail after the kind,
  // which the tag already says in the reader's language; anything else is shown as it is.
  function sourceDetail(label) {
    if (typeof label !== "string" || !label.trim()) return "";
    const text = label.trim();
    const colon = text.search(/[：:]/);
    if (colon >= 0) return text.slice(colon + 1).trim();
    return text.replace(/^简历\s*/, "");
  }

  async function showOutline(gen, id) {
    showLoading();
    const outline = await load(gen, "GET", `interviews/${encodeURIComponent(id)}/outline`);
    if (!outline) return;
    const focus = outline.focus || [];
    screen("outline", [
      h("p", { class: "crumbs no-print" }, link(`/hr/interviews/${encodeURIComponent(id)}`, { i18n: "outline.back" })),
      h("h1", { i18n: "outline.title" }),
      h("p", { class: "muted", i18n: ["outline.sub", { title: outline.job_title || "", m: outline.minutes }] }),
      h("p", { class: "small", i18n: "outline.intro" }),
      outline.resume_supplied === false ? h("p", { class: "note", i18n: "outline.noResume" }) : null,
      h(
        "div",
        { class: "row no-print" },
        button("print", "outline.print", () => window.print(), "secondary"),
      ),
      focus.length === 0 ? h("p", { class: "card", i18n: "outline.none" }) : null,
      ...focus.map((f, i) =>
        h(
          "section",
          { class: "card focus", dataset: { competency: f.competency_id } },
          h("h2", { text: `${i + 1}. ${f.name}` }),
          h("p", {
            class: "muted small",
            i18n: ["outline.levels", { l: f.level, target: f.target_level, s: num(f.score) }],
          }),
          f.gap ? h("div", { class: "gap" }, h("h3", { i18n: "outline.gap" }), h("p", { text: f.gap })) : null,
          h("h3", { i18n: "outline.questions" }),
          h(
            "ol",
            { class: "outline-questions" },
            ...(f.questions || []).map((q) =>
              h(
                "li",
                { class: "oq", dataset: { source: q.source } },
                h("p", { class: "oq-text", text: q.text }),
                h(
                  "p",
                  { class: "source" },
                  h("span", {
                    class: `tag src-${q.source}`,
                    i18n: [`source.${q.source}`, { d: sourceDetail(q.source_label) }],
                  }),
                ),
              ),
            ),
          ),
          (f.resume_lines || []).length
            ? h(
                "div",
                { class: "resume" },
                h("h3", { i18n: "outline.resume" }),
                h(
                  "ul",
                  {},
                  ...f.resume_lines.map((r) =>
                    h(
                      "li",
                      {},
                      h("span", { class: "muted small", i18n: ["outline.resumeLine", { n: r.line }] }),
                      " ",
                      h("span", { text: r.text }),
                    ),
                  ),
                ),
              )
            : null,
        ),
      ),
    ]);
  }

  // ---- boot -------------------------------------------------------------------------------------------------

  function setLang(lang) {
    state.lang = lang === "en" ? "en" : "zh";
    retranslate();
  }

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
      for (const a of document.querySelectorAll("a[data-nav]")) {
        const href = new URL(a.getAttribute("href"), location.origin);
        href.searchParams.set("lang", state.lang);
        a.setAttribute("href", href.pathname + href.search);
      }
    });
    document.getElementById("brand").dataset.i18n = "brand";
    const logoutButton = document.getElementById("logout");
    logoutButton.dataset.i18n = "logout";
    logoutButton.addEventListener("click", logout);
    document.addEventListener("click", (e) => {
      const a = e.target instanceof Element ? e.target.closest("a[data-nav], a#brand") : null;
      if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      navigate(a.id === "brand" ? withLang("/hr/") : a.getAttribute("href"));
    });
    window.addEventListener("popstate", () => render());
    let frame = 0;
    window.addEventListener(
      "resize",
      () => {
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(() => state.onResize && state.onResize());
      },
      { passive: true },
    );
    retranslate();
    render();
  }

  boot();
})();
